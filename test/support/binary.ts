/** The single binaries (npm run build:binary), rebuilt for tests when older than the sources. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const binaries = {
  x64: join(repoRoot, 'dist', 'rdma-probe-linux-x64'),
  arm64: join(repoRoot, 'dist', 'rdma-probe-linux-arm64'),
};

function newestMtime(path: string): number {
  const st = fs.statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...fs.readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Builds the binaries unless both are newer than everything they are built from. */
export function ensureBinaries(): void {
  const inputs = ['src', 'scripts/build-binary.mjs', 'package.json', 'package-lock.json'];
  const newestInput = Math.max(...inputs.map((p) => newestMtime(join(repoRoot, p))));
  const fresh = Object.values(binaries).every(
    (bin) => fs.existsSync(bin) && fs.statSync(bin).mtimeMs > newestInput,
  );
  if (fresh) return;
  const build = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs')], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  assert.equal(build.status, 0, `build:binary failed:\n${build.stderr}`);
}
