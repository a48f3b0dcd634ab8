// The wallet's device key and its session with the server.
//
// The key is ECDSA P-256 made by WebCrypto with extractable: false and kept in
// IndexedDB as a CryptoKey: script on the page can sign with it but never read it,
// so copying the app's storage to another phone does not copy the wallet. P-256 and
// not Ed25519: older phones lack WebCrypto Ed25519 (signing/device.py says more).
//
// Login: the server hands out a challenge; we sign its UTF-8 bytes (ECDSA/SHA-256,
// r || s as WebCrypto returns it) and trade the signature for a bearer token.
import { ApiError, api } from '../api.js';
import { getDevice, putDevice, updateDevice } from '../store.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' };

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** SEC1 compressed form (33 bytes) of the 65-byte uncompressed point WebCrypto exports. */
function compress(raw) {
  const point = new Uint8Array(raw);
  const compressed = new Uint8Array(33);
  compressed[0] = 0x02 | (point[64] & 1); // parity of y
  compressed.set(point.subarray(1, 33), 1);
  return compressed;
}

let creating = null;

/** The device record, creating the key pair on first use (once, even if called twice at once). */
export async function ensureDevice() {
  const existing = await getDevice();
  if (existing?.privateKey) return existing;
  if (!creating) {
    creating = (async () => {
      const pair = await crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify']);
      const raw = await crypto.subtle.exportKey('raw', pair.publicKey); // public half: always exportable
      const device = { privateKey: pair.privateKey, publicKey: pair.publicKey,
                       publicKeyHex: toHex(compress(raw)), token: null, walletId: null, createdAt: Date.now() };
      await putDevice(device);
      return device;
    })().finally(() => {
      creating = null;
    });
  }
  return creating;
}

export async function signText(privateKey, text) {
  const signature = await crypto.subtle.sign(SIGNING, privateKey, new TextEncoder().encode(text));
  return toHex(new Uint8Array(signature));
}

let loggingIn = null;

/** Open a wallet session: challenge, signature, bearer token (stored with the device). */
export async function logIn() {
  if (!loggingIn) {
    loggingIn = (async () => {
      const device = await ensureDevice();
      const { challenge } = await api('/wallet/challenge', { method: 'POST',
                                                              body: { device_key: device.publicKeyHex } });
      const signature = await signText(device.privateKey, challenge);
      const session = await api('/wallet/session', {
        method: 'POST', body: { device_key: device.publicKeyHex, challenge, signature } });
      return updateDevice({ token: session.token, walletId: session.wallet_id });
    })().finally(() => {
      loggingIn = null;
    });
  }
  return loggingIn;
}

/** api() as this wallet: logs in when there is no token, and once more if the token expired. */
export async function walletApi(path, options = {}) {
  let device = await ensureDevice();
  if (!device.token) device = await logIn();
  try {
    // Every wallet answer also says the server's time: the presentations' time steps use it (clock.js).
    return await api(path, { ...options, wallet: device.token, clock: true });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'wallet_required') throw error;
    device = await logIn();
    return api(path, { ...options, wallet: device.token, clock: true });
  }
}
