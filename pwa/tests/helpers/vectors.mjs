// Reading the shared test vectors (tests/vectors/*.json) from disk, for node.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { describe, runCase } from './cases.mjs';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'tests', 'vectors');

/** Every vector file as {file, document}. */
export function loadVectorFiles() {
  return readdirSync(VECTORS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, document: JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) }));
}
