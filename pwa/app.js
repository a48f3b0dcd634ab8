// Placeholder shell: registers the service worker and shows whether the API is up.

const statusLine = document.querySelector('#service-status');

async function showServiceStatus() {
  try {
    const response = await fetch('/api/v1/health', { headers: { Accept: 'application/json' } });
    const body = await response.json();
    statusLine.textContent =
      response.ok && body.status === 'ok' ? 'Servizio attivo' : 'Servizio non disponibile';
  } catch {
    statusLine.textContent = 'Servizio non raggiungibile';
  }
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/service-worker.js', { scope: '/' })
    .catch((error) => console.warn('Service worker registration failed:', error));
}

showServiceStatus();
