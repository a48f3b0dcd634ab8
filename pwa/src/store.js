// The one IndexedDB module (database `mentoring`), over `idb`.
//
// Rules: schema changes are new cumulative `if (oldVersion < N)` steps in upgrade(),
// never edits of old steps (phones upgrade from any version); every write awaits
// `tx.done`, so "saved" means committed. Other modules call the named functions
// below and never open transactions themselves.
import { openDB } from 'idb';

const NAME = 'mentoring';
const VERSION = 2;
const DEVICE_KEY = 'wallet';
const SCANNER_KEY = 'enrolment';

let opening = null;

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    // Wallet: the device key pair (non-extractable CryptoKeys clone into IndexedDB as they are).
    db.createObjectStore('device');
    db.createObjectStore('vouchers', { keyPath: 'id' });
    db.createObjectStore('tickets', { keyPath: 'id' }); // booking id = ticket id
    const catalogue = db.createObjectStore('catalogue', { keyPath: 'id' });
    catalogue.createIndex('starts_at', 'starts_at');
    // Scanner: its enrolment (id, key pair, offline bundle), signed records waiting
    // for sync (their own store, so a wallet reset never touches them), the local
    // log of decisions, and the credential+step pairs already accepted here.
    db.createObjectStore('scanner');
    db.createObjectStore('outbox', { keyPath: 'recordId' });
    const scanlog = db.createObjectStore('scanlog', { keyPath: 'id', autoIncrement: true });
    scanlog.createIndex('at', 'at');
    scanlog.createIndex('credential', 'credential');
    const seen = db.createObjectStore('seen', { keyPath: 'key' });
    seen.createIndex('credential', 'credential');
  }
  if (oldVersion < 2) {
    // The server's time as this phone measured it (clock.js): wallet and scanner share it.
    db.createObjectStore('clock');
  }
}

export function database() {
  if (!opening) {
    opening = openDB(NAME, VERSION, {
      upgrade,
      // Another tab runs a newer version of the app: let it upgrade, reopen later.
      blocking() {
        opening?.then((db) => db.close());
        opening = null;
      },
    });
  }
  return opening;
}

async function write(storeNames, work) {
  const db = await database();
  const tx = db.transaction(storeNames, 'readwrite');
  const result = await work(tx);
  await tx.done;
  return result;
}

// --- wallet device --------------------------------------------------------------------

/** {privateKey, publicKey, publicKeyHex, token, walletId} or undefined. */
export async function getDevice() {
  return (await database()).get('device', DEVICE_KEY);
}

export async function putDevice(device) {
  await write('device', (tx) => tx.store.put(device, DEVICE_KEY));
}

/** Merge fields (e.g. a new bearer token) into the stored device record. */
export async function updateDevice(fields) {
  return write('device', async (tx) => {
    const device = { ...(await tx.store.get(DEVICE_KEY)), ...fields };
    await tx.store.put(device, DEVICE_KEY);
    return device;
  });
}

// --- the server's time ----------------------------------------------------------------

const CLOCK_KEY = 'server-time';

/** The kept measurements of the server's time (clock.js), or undefined. */
export async function getClockSamples() {
  return (await database()).get('clock', CLOCK_KEY);
}

export async function putClockSamples(samples) {
  await write('clock', (tx) => tx.store.put(samples, CLOCK_KEY));
}

// --- vouchers and tickets ------------------------------------------------------------

export async function listVouchers() {
  return (await database()).getAll('vouchers');
}

export async function getVoucher(id) {
  return (await database()).get('vouchers', id);
}

/**
 * Store the server's view of vouchers, keeping a credential we hold when the view has none.
 * Every caller stores an answer just received: `synced_at` (this phone's clock, as the
 * student reads it) is when the balance was last true, shown offline as "as of".
 */
export async function saveVouchers(vouchers) {
  const syncedAt = new Date().toISOString();
  await write('vouchers', async (tx) => {
    for (const voucher of vouchers) {
      const stored = await tx.store.get(voucher.id);
      await tx.store.put({ ...stored, ...voucher, credential: voucher.credential || stored?.credential || null,
                           synced_at: syncedAt });
    }
  });
}

export async function listTickets() {
  return (await database()).getAll('tickets');
}

export async function getTicket(id) {
  return (await database()).get('tickets', id);
}

export async function saveTickets(tickets) {
  await write('tickets', async (tx) => {
    for (const ticket of tickets) {
      const stored = await tx.store.get(ticket.id);
      await tx.store.put({ ...stored, ...ticket, ticket: ticket.ticket || stored?.ticket || null });
    }
  });
}

// --- catalogue (offline reading) -----------------------------------------------------------

export async function saveCatalogueItems(items) {
  const savedAt = Date.now();
  await write('catalogue', async (tx) => {
    for (const item of items) {
      const stored = await tx.store.get(item.id);
      await tx.store.put({ ...stored, ...item, saved_at: savedAt });
    }
  });
}

export async function listCatalogue() {
  return (await database()).getAllFromIndex('catalogue', 'starts_at');
}

export async function getCatalogueItem(id) {
  return (await database()).get('catalogue', id);
}

// --- scanner ---------------------------------------------------------------------------

/** {scannerId, privateKey, publicKeyHex, venueId, label, bundle, fetchedAt, ...} or undefined. */
export async function getScanner() {
  return (await database()).get('scanner', SCANNER_KEY);
}

export async function putScanner(enrolment) {
  await write('scanner', (tx) => tx.store.put(enrolment, SCANNER_KEY));
}

/**
 * Change the stored enrolment in one transaction: `change(enrolment)` (synchronous)
 * returns the new record, or null to leave it as it is. The page (bundle downloads)
 * and the service worker (sync answers) both write this record: reading and writing
 * in one transaction is what keeps one from undoing the other. Resolves to the record
 * as stored afterwards (undefined when there is none).
 */
export async function updateScanner(change) {
  return write('scanner', async (tx) => {
    const stored = await tx.store.get(SCANNER_KEY);
    const changed = change(stored);
    if (!changed) return stored;
    await tx.store.put(changed, SCANNER_KEY);
    return changed;
  });
}

/**
 * Remember that the venue retired this scanner (a sync answer or a bootstrap refusal
 * said so): from then on it refuses every scan (decide.js `scanner_retired`). Only the
 * enrolment it is about: records of an earlier enrolment may name a retired scanner.
 * `retiredAt` is the server's time when it gave one. Resolves to the stored enrolment.
 */
export async function markScannerRetired(scannerId, retiredAt = null) {
  return updateScanner((stored) => (stored?.scannerId === scannerId && !stored.retiredAt
    ? { ...stored, retiredAt: retiredAt || new Date().toISOString() } : null));
}

/** Forget the enrolment (a new one follows); outbox and log are kept until synced. */
export async function clearScanner() {
  await write('scanner', (tx) => tx.store.delete(SCANNER_KEY));
}

/** Queue a signed record: {recordId (hex), text, scannedAt, ...}. */
export async function addToOutbox(record) {
  await write('outbox', (tx) => tx.store.put(record));
}

export async function outboxRecords() {
  return (await database()).getAll('outbox');
}

export async function outboxCount() {
  return (await database()).count('outbox');
}

/** Drop records the server has acknowledged (accepted or refused: it has them). */
export async function removeFromOutbox(recordIds) {
  await write('outbox', async (tx) => {
    for (const id of recordIds) await tx.store.delete(id);
  });
}

/**
 * One decision, and in the same transaction its side effects: the record queued for
 * sync and, when accepted, the credential+step marked seen. So a crash cannot leave a
 * decision logged but not queued.
 * entry: {at, credential ('v:12' / 't:7'), step, accepted, code, amountCents, recordId, ...}
 */
export async function recordDecision(entry, outboxRecord) {
  return write(['scanlog', 'outbox', 'seen'], async (tx) => {
    const id = await tx.objectStore('scanlog').add(entry);
    if (outboxRecord) await tx.objectStore('outbox').put(outboxRecord);
    if (entry.accepted && entry.credential) {
      await tx.objectStore('seen').put({ key: seenKey(entry.credential, entry.step), credential: entry.credential,
                                         step: entry.step, at: entry.at });
    }
    return id;
  });
}

export async function logDecision(entry) {
  return write('scanlog', (tx) => tx.store.add(entry));
}

/** The newest decisions first. */
export async function scanLog({ limit = 50 } = {}) {
  const db = await database();
  const entries = [];
  let cursor = await db.transaction('scanlog').store.index('at').openCursor(null, 'prev');
  while (cursor && entries.length < limit) {
    entries.push(cursor.value);
    cursor = await cursor.continue();
  }
  return entries;
}

/** What this scanner accepted for one credential (the offline allowance is per scanner). */
export async function decisionsFor(credential) {
  return (await database()).getAllFromIndex('scanlog', 'credential', credential);
}

export function seenKey(credential, step) {
  return `${credential}|${step}`;
}

export async function markSeen(credential, step, at) {
  await write('seen', (tx) => tx.store.put({ key: seenKey(credential, step), credential, step, at }));
}

export async function hasSeen(credential, step) {
  return (await (await database()).getKey('seen', seenKey(credential, step))) !== undefined;
}

/** All seen keys as a Set of `${credential}|${step}`, for a pure decision function. */
export async function seenKeys() {
  return new Set(await (await database()).getAllKeys('seen'));
}

/** Forget seen entries older than `before` (ms): past the skew window they can never match again. */
export async function pruneSeen(before) {
  await write('seen', async (tx) => {
    let cursor = await tx.store.openCursor();
    while (cursor) {
      if (cursor.value.at < before) await cursor.delete();
      cursor = await cursor.continue();
    }
  });
}
