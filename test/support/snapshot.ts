/**
 * Text snapshots under test/__snapshots__/. A missing snapshot fails the test (so CI
 * never passes on a snapshot it wrote itself); UPDATE_SNAPSHOTS=1 writes them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotsDir } from './paths.js';

export function assertSnapshot(name: string, actual: string): void {
  const file = join(snapshotsDir, `${name}.txt`);
  if (process.env['UPDATE_SNAPSHOTS'] === '1') {
    mkdirSync(snapshotsDir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `snapshot ${name} is missing: run the tests with UPDATE_SNAPSHOTS=1`);
  assert.equal(actual, readFileSync(file, 'utf8'), `snapshot ${name} differs`);
}
