// Text → QR code as SVG, in alphanumeric mode at error correction M.
//
// Our tokens are Base45 behind an "MV:"/"MP:" prefix: every character is in QR's
// alphanumeric set, so alphanumeric mode packs 5.5 bits per character instead of 8
// and the code stays at version 10 or below (docs/tokens.md). Text outside that set
// (e.g. a claim link with lower case) falls back to byte mode.
import qrcode from 'qrcode-generator';
import { html } from 'htm/preact';

const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;
const QUIET_ZONE = 4; // modules of white border the QR standard asks for

/** {size, path, version}: the module count and one SVG path of the dark modules. */
export function qrModules(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text, ALPHANUMERIC.test(text) ? 'Alphanumeric' : 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const parts = [];
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      // Runs of dark modules in a row become one rectangle: a path ~5x shorter.
      if (!qr.isDark(row, col)) continue;
      let end = col;
      while (end + 1 < count && qr.isDark(row, end + 1)) end += 1;
      parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h${end - col + 1}v1h-${end - col + 1}z`);
      col = end;
    }
  }
  return { size: count + 2 * QUIET_ZONE, path: parts.join(''), version: (count - 17) / 4 };
}

/** The SVG markup as a string (for printing or tests). */
export function qrSvg(text) {
  const { size, path } = qrModules(text);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}

/** <${Qr} text=... label=... /> — black on white whatever the theme: scanners need the contrast. */
export function Qr({ text, label, class: className = 'qr' }) {
  const { size, path, version } = qrModules(text);
  return html`<svg class=${className} viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges" role="img"
      aria-label=${label} data-version=${version} xmlns="http://www.w3.org/2000/svg">
    <rect width=${size} height=${size} fill="#fff" />
    <path d=${path} fill="#000" />
  </svg>`;
}
