/** Where things are, for tests compiled to dist/test/ and run from anywhere. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const cliPath = join(repoRoot, 'bin', 'rdma-probe.js');
/**
 * RDMA_PROBE_TEST_FIXTURES names another copy: the mutation-testing sandbox cannot copy the
 * host trees (their sysfs links are folders), so `npm run mutate` points the tests at the
 * checkout's own.
 */
export const fixturesDir =
  process.env['RDMA_PROBE_TEST_FIXTURES'] || join(repoRoot, 'test', 'fixtures');
export const snapshotsDir = join(repoRoot, 'test', '__snapshots__');
