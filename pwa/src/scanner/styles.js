// The scanner's styles, applied when the area loads (the shell's styles.css stays
// small for students). A constructed stylesheet where the browser has them: no inline
// <style> element, so a strict Content-Security-Policy can come later without
// breaking the scanner.
//
// Verdict colours are fixed, not themed: staff read them at a glance across the
// entrance, and white on #0b6b2b / #a4161a passes WCAG AA in both schemes.
const CSS = `
.sc-page { padding: 0.75rem; max-width: 36rem; margin: 0 auto; display: grid; gap: 0.75rem; }
.sc-status { display: grid; gap: 0.2rem; padding: 0.6rem 0.75rem; border-radius: var(--radius);
  background: var(--surface); border: 1px solid var(--border); font-size: 0.92rem; }
.sc-status-venue { font-weight: 700; font-size: 1rem; }
.sc-status-row { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: center; }
.sc-status-row .btn { margin-left: auto; }
.sc-share { color: var(--muted); font-size: 0.88rem; }
.sc-retired { padding: 0.75rem; border-radius: var(--radius); border-left: 6px solid var(--danger);
  background: var(--danger-bg); color: var(--text); }
.sc-retired p { margin: 0 0 0.4rem; }
.sc-retired strong { color: var(--danger); font-size: 1.15rem; }
.sc-pending[data-count="0"] { color: var(--muted); }
.sc-pending:not([data-count="0"]) { font-weight: 700; }
.sc-controls { display: grid; gap: 0.5rem; }
.sc-controls label { font-weight: 600; display: block; margin-bottom: 0.2rem; }
.sc-controls select { width: 100%; font: inherit; min-height: 2.75rem; padding: 0.4rem 0.5rem;
  border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--text); }
.sc-viewfinder { position: relative; width: 100%; aspect-ratio: 1 / 1; max-height: min(60vh, 24rem); margin: 0 auto;
  background: #000; border-radius: var(--radius); overflow: hidden; }
.sc-viewfinder video { width: 100%; height: 100%; object-fit: cover; display: block; }
.sc-viewfinder-frame { position: absolute; inset: 12%; border: 3px solid rgba(255,255,255,0.85);
  border-radius: 12px; pointer-events: none; }
.sc-viewfinder-off { position: absolute; inset: 0; display: grid; place-items: center; padding: 1rem;
  color: #fff; text-align: center; }
.sc-row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
.sc-camera-tools .sc-zoom { display: flex; gap: 0.5rem; align-items: center; flex: 1 1 10rem; font-weight: 600; }
.sc-camera-tools .sc-zoom input { flex: 1; min-height: 2.75rem; }
.sc-typed { display: grid; gap: 0.4rem; padding: 0.6rem 0.75rem; border-radius: var(--radius);
  background: var(--surface); border: 1px solid var(--border); }
.sc-typed-title { font-size: 1.05rem; margin: 0; }
.sc-typed p { margin: 0; }
.sc-typed-form { display: grid; grid-template-columns: 1fr 1fr; gap: 0.5rem; align-items: end; }
.sc-typed-form .field { margin: 0; }
.sc-typed-form input { width: 100%; font-size: 1.2rem; letter-spacing: 0.08em; }
.sc-typed-form .btn { grid-column: 1 / -1; }
.sc-typed-problem { color: var(--danger); font-weight: 600; }
.sc-manual textarea { width: 100%; min-height: 5rem; font: 0.85rem/1.3 ui-monospace, monospace;
  padding: 0.5rem; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--text); }
.sc-manual summary { font-weight: 600; cursor: pointer; min-height: 2.75rem; display: flex; align-items: center; }
.sc-verdict { position: fixed; inset: 0; z-index: 100; display: flex; flex-direction: column;
  align-items: center; justify-content: center; gap: 1rem; padding: 2rem 1.25rem; text-align: center;
  color: #fff; cursor: pointer; border: 0; width: 100%; font: inherit; }
.sc-verdict[data-verdict="accepted"] { background: #0b6b2b; }
.sc-verdict[data-verdict="refused"] { background: #a4161a; }
.sc-verdict-mark { font-size: 5rem; line-height: 1; font-weight: 700; }
.sc-verdict-title { font-size: 2rem; font-weight: 800; margin: 0; }
.sc-verdict-message { font-size: 1.3rem; font-weight: 600; margin: 0; max-width: 28rem; }
.sc-verdict-amount { font-size: 2.4rem; font-weight: 800; }
.sc-verdict-note { font-size: 1rem; opacity: 0.95; margin: 0; }
.sc-verdict-dismiss { margin-top: 1.5rem; font-size: 1rem; text-decoration: underline; }
.sc-log { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.4rem; }
.sc-log li { display: grid; grid-template-columns: 1.75rem 1fr auto; gap: 0.1rem 0.5rem; padding: 0.5rem 0.6rem;
  border-radius: 8px; background: var(--surface); border: 1px solid var(--border); }
.sc-log-mark { font-weight: 800; font-size: 1.2rem; grid-row: span 2; }
.sc-log li[data-accepted="true"] .sc-log-mark { color: var(--ok); }
.sc-log li[data-accepted="false"] .sc-log-mark { color: var(--danger); }
.sc-log-time { color: var(--muted); font-size: 0.85rem; }
.sc-log-state { color: var(--muted); font-size: 0.8rem; grid-column: 2 / span 2; }
.sc-log-rejected { color: var(--danger); }
.sc-venues { display: grid; gap: 0.4rem; border: 0; padding: 0; margin: 0 0 0.5rem; }
.sc-venues label { display: flex; gap: 0.5rem; align-items: center; min-height: 2.75rem; padding: 0.4rem 0.6rem;
  border: 1px solid var(--border); border-radius: 8px; }
`;

let applied = false;

export function applyScannerStyles() {
  if (applied || typeof document === 'undefined') return;
  applied = true;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = CSS;
    document.head.append(style);
  }
}
