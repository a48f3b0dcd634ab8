// Where the wallet is running, judged from the user agent, and whether its storage will
// last there. Two places lose a wallet:
//   - an app's built-in browser (a card link opened from Instagram, WhatsApp, TikTok…):
//     its storage is the app's, not the phone's browser's, so a voucher claimed there is
//     not in Safari or Chrome afterwards, and the app may clear it any day;
//   - iOS Safari with the site not added to the Home Screen: Safari deletes a site's
//     storage after 7 days without use (the device key, hence the voucher, with it).
// Pure functions over plain values, so node tests cover them without a browser.

// Most specific first: Messenger's user agent also carries Facebook's FBAN/FBAV.
const IN_APP = [
  ['messenger', /FBAN\/Messenger|MessengerForiOS|FB_IAB\/Orca|Orca-Android|MessengerLite/i],
  ['instagram', /Instagram/i],
  ['facebook', /FBAN|FBAV|FB_IAB|FBIOS|FB4A/],
  ['whatsapp', /WhatsApp/i],
  ['tiktok', /musical_ly|BytedanceWebview|TikTok|trill_/i],
  ['snapchat', /Snapchat/i],
  ['line', /\bLine\/\d/],
  ['twitter', /Twitter(Android)?\//i],
  ['linkedin', /LinkedInApp/i],
  ['pinterest', /Pinterest/i],
  // Any other Android app that shows pages in a WebView says so with "; wv)".
  ['webview', /; wv\)/],
];

const APP_NAMES = {
  messenger: 'Messenger', instagram: 'Instagram', facebook: 'Facebook', whatsapp: 'WhatsApp', tiktok: 'TikTok',
  snapchat: 'Snapchat', line: 'LINE', twitter: 'X', linkedin: 'LinkedIn', pinterest: 'Pinterest', webview: null,
};

/** The in-app browser's key ('instagram', 'facebook', … or 'webview'), or null in a real browser. */
export function inAppBrowser(userAgent) {
  const agent = String(userAgent || '');
  for (const [key, pattern] of IN_APP) if (pattern.test(agent)) return key;
  return null;
}

/** The app's name to show ('Instagram'), or null when only "an app" is known. */
export function inAppName(key) {
  return APP_NAMES[key] ?? null;
}

/** iPhone, iPod or iPad; iPadOS 13+ says "Macintosh" but has a touch screen. */
export function isIos(userAgent, maxTouchPoints = 0) {
  const agent = String(userAgent || '');
  return /iPhone|iPad|iPod/.test(agent) || (/Macintosh/.test(agent) && maxTouchPoints > 1);
}

/**
 * What the wallet should advise before a voucher is claimed here:
 *   {advice: 'open_in_browser', app}  in an app's built-in browser (app: its key);
 *   {advice: 'add_to_home'}           iOS, in the browser, not added to the Home Screen;
 *   {advice: null}                    storage that lasts (installed, or Android/desktop browsers).
 * `standalone`: the page runs as an installed app (display-mode standalone, navigator.standalone).
 */
export function storageAdvice({ userAgent, standalone = false, maxTouchPoints = 0 }) {
  const app = inAppBrowser(userAgent);
  if (app) return { advice: 'open_in_browser', app };
  if (standalone) return { advice: null };
  if (isIos(userAgent, maxTouchPoints)) return { advice: 'add_to_home' };
  return { advice: null };
}

/** Whether this page runs as an installed app (Home Screen or installed PWA). */
export function runningStandalone() {
  if (typeof window === 'undefined') return false;
  if (window.navigator?.standalone === true) return true; // iOS Safari's own flag
  return Boolean(window.matchMedia?.('(display-mode: standalone)').matches
    || window.matchMedia?.('(display-mode: fullscreen)').matches);
}

/** storageAdvice() for this browser. */
export function currentStorageAdvice() {
  if (typeof navigator === 'undefined') return { advice: null };
  return storageAdvice({ userAgent: navigator.userAgent, standalone: runningStandalone(),
                         maxTouchPoints: navigator.maxTouchPoints || 0 });
}
