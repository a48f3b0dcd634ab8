// The door decision vectors (tests/vectors/door/*.json), shared with the server's
// tests: each case is a bundle as the server serves it, the scanner's memory (replay
// keys seen, cents spent per voucher credential), a scanned text, an amount and an
// event, and the decision the scanner must make. decide.js must agree with every one,
// so the two sides cannot drift. Run: node --test pwa/tests/

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe as suite, test } from 'node:test';

import { decide } from '../src/scanner/decide.js';
import { VECTORS_DIR } from './helpers/vectors.mjs';

export const DOOR_VECTORS_DIR = process.env.MENTORING_DOOR_VECTORS || join(VECTORS_DIR, 'door');

function doorVectorFiles() {
  if (!existsSync(DOOR_VECTORS_DIR)) return [];
  return readdirSync(DOOR_VECTORS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, document: JSON.parse(readFileSync(join(DOOR_VECTORS_DIR, file), 'utf8')) }));
}

/** One case through decide(), as the scanner's door (door.js) calls it. */
export function decideCase(testCase) {
  return decide({
    text: testCase.text,
    bundle: testCase.bundle,
    seen: new Set(testCase.seen || []),
    spentOnThisScanner: new Map(Object.entries(testCase.spent || {})),
    now: testCase.now,
    phoneNow: testCase.phone_now ?? testCase.now,
    amountCents: testCase.amount_cents ?? undefined,
    eventId: testCase.event_id || 0,
    retired: Boolean(testCase.retired),
  });
}

const files = doorVectorFiles();

// No silent skip: a missing or empty folder is a failure, said plainly.
test(`door vectors exist in ${DOOR_VECTORS_DIR}`, () => {
  assert.ok(files.length > 0, `no door vector files in ${DOOR_VECTORS_DIR}`);
  for (const { file, document } of files) {
    assert.ok(Array.isArray(document.cases) && document.cases.length > 0, `${file} has no cases`);
  }
});

for (const { file, document } of files) {
  suite(`door vectors: ${file}`, () => {
    for (const testCase of document.cases || []) {
      test(testCase.name, async () => {
        const verdict = await decideCase(testCase);
        assert.equal(verdict.code, testCase.scanner.code, `${file}: ${testCase.name}`);
        if (typeof testCase.scanner.accepted === 'boolean') assert.equal(verdict.accepted, testCase.scanner.accepted);
      });
    }
  });
}
