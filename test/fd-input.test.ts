/**
 * Standard input read from its descriptor (src/cli/fd-input.ts): every byte once and in
 * order, a chunk left intact while its reader holds it, and a non-blocking descriptor
 * handed over to the fallback without losing what it has not read yet.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { readFdChunks } from '../src/cli/fd-input.js';
import { renderNdjson } from '../src/render/ndjson.js';
import { cleanEnv } from './support/cli.js';
import { hostModel } from './support/fleet.js';
import { cliPath } from './support/paths.js';

const root = mkdtempSync(join(tmpdir(), 'rdma-probe-fd-input-'));
after(() => rmSync(root, { recursive: true, force: true }));

const noFallback = () => {
  throw new Error('the fallback was used');
};

test('fd input: a file in chunks of at most the size, in order, each intact while held', async () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  const path = join(root, 'bytes');
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  try {
    const held: { chunk: Uint8Array; copy: Buffer }[] = [];
    for await (const chunk of readFdChunks(fd, noFallback, 64)) {
      assert.ok(typeof chunk !== 'string' && chunk.length <= 64 && chunk.length > 0);
      const copy = Buffer.from(chunk);
      // The next chunk is being read meanwhile: it must go into the other buffer.
      await sleep(2);
      assert.deepEqual(Buffer.from(chunk), copy);
      held.push({ chunk, copy });
    }
    assert.deepEqual(Buffer.concat(held.map((h) => h.copy)), bytes);
    assert.equal(held.length, Math.ceil(bytes.length / 64));
  } finally {
    closeSync(fd);
  }
});

test('fd input: a non-blocking descriptor hands the rest to the fallback', async () => {
  const fifo = join(root, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, 'w');
  try {
    let fallbacks = 0;
    const chunks: string[] = [];
    const fallback = async function* () {
      fallbacks++;
      yield 'from the fallback';
    };
    // Nothing written yet: the first read fails with EAGAIN, and takes nothing.
    for await (const chunk of readFdChunks(reader, fallback, 64)) chunks.push(String(chunk));
    assert.equal(fallbacks, 1);
    assert.deepEqual(chunks, ['from the fallback']);
  } finally {
    closeSync(writer);
    closeSync(reader);
  }
});

/** Opens process.stdin before the CLI runs: Node makes a pipe's descriptor non-blocking. */
const OPEN_STDIN_FIRST = 'data:text/javascript,process.stdin';

test('report -: a stdin made non-blocking, empty at first, is read to its end', async () => {
  const input = ['late-1', 'late-2']
    .map((hostname) => renderNdjson(hostModel({ hostname })))
    .join('');
  const child = spawn(
    process.execPath,
    ['--import', OPEN_STDIN_FIRST, cliPath, 'report', '-', '--json'],
    { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'close');
  // The child finds its stdin empty (EAGAIN) and gets the input a moment later.
  await sleep(500);
  child.stdin.end(input);
  const [status] = await exited;
  assert.equal(status, 0, stderr);
  assert.deepEqual(
    JSON.parse(stdout).hosts.map((h: { hostname: string }) => h.hostname),
    ['late-1', 'late-2'],
  );
});
