// QR decoding: the browser's BarcodeDetector where it reads QR codes (Android Chrome),
// else ZXing compiled to WebAssembly (iOS Safari, desktop and headless Chromium on
// Linux, which has no BarcodeDetector: that is the path the tests take).
//
// zxing-wasm fetches its .wasm from a CDN unless told otherwise, which would break the
// scanner offline and leak every entrance phone to a third party: locateFile points
// it at the copy build.mjs puts in dist/wasm/, served by our server and cached by the
// service worker the first time (warm() at scanner start, while online).
//
// This module is imported only by the scanner area, so students never download it.
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

export const ZXING_WASM_URL = '/wasm/zxing_reader.wasm';

// Only QR codes; no rotation or inversion passes (a phone screen is upright and dark on
// light): each extra pass costs a full decode on every frame without a code.
const ZXING_OPTIONS = {
  formats: ['QRCode'], tryHarder: true, tryRotate: false, tryInvert: false, tryDownscale: true,
  maxNumberOfSymbols: 1,
};

let zxingPrepared = null;

function prepareZxing() {
  if (!zxingPrepared) {
    zxingPrepared = prepareZXingModule({
      overrides: {
        locateFile: (file, prefix) => (file.endsWith('.wasm') ? new URL(ZXING_WASM_URL, self.location.origin).href
          : prefix + file),
      },
      fireImmediately: true,
    }).catch((error) => {
      zxingPrepared = null; // offline before the first download: try again later
      throw error;
    });
  }
  return zxingPrepared;
}

async function nativeDetector() {
  if (typeof globalThis.BarcodeDetector !== 'function') return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    if (!formats.includes('qr_code')) return null;
    return new globalThis.BarcodeDetector({ formats: ['qr_code'] });
  } catch {
    return null;
  }
}

/**
 * A decoder: {kind: 'native'|'zxing', decode(canvas, imageData) → Promise<string|null>}.
 * The caller draws the frame once; native detection reads the canvas, ZXing the pixels.
 * `preferZxing` forces the WebAssembly path (tests, benchmarks).
 */
export async function createDecoder({ preferZxing = false } = {}) {
  const detector = preferZxing ? null : await nativeDetector();
  if (detector) {
    return {
      kind: 'native',
      needsPixels: false,
      async decode(canvas) {
        const found = await detector.detect(canvas);
        return found.length ? found[0].rawValue : null;
      },
    };
  }
  await prepareZxing();
  return {
    kind: 'zxing',
    needsPixels: true,
    async decode(canvas, imageData) {
      const found = await readBarcodes(imageData, ZXING_OPTIONS);
      const valid = found.find((result) => result.isValid && result.text);
      return valid ? valid.text : null;
    },
  };
}

/** Fetch and compile the decoder now (while online), so the scanner also works offline later. */
export function warmDecoder() {
  return createDecoder().catch(() => null);
}
