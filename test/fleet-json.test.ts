/**
 * `report --json` is written in pieces (render/fleet-json.ts): joined, they must be exactly
 * the text JSON.stringify(report, null, 2) gives, for any fleet: none, one host, rows that
 * span several pieces, and hostnames that JSON has to escape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readInputs, type Stdin } from '../src/fleet/read-inputs.js';
import { summarizeFleet, summarizeFleetParts } from '../src/fleet/summarize.js';
import { PIECE_CHARS, renderFleetJson } from '../src/render/fleet-json.js';
import { renderNdjson } from '../src/render/ndjson.js';
import { hostModel, hostReport, json, runReport } from './support/fleet.js';

const OPTIONS = {
  toolVersion: '9.9.9',
  generatedAt: '2026-01-01T02:00:00.000Z',
  maxBytesPerInput: 16 * 1024 * 1024,
  maxAgeMs: 3600e3,
};

function stdinOf(text: string): Stdin {
  return (async function* () {
    yield Buffer.from(text);
  })();
}

/** The pieces and JSON.stringify's text of one fleet read from `input` on stdin. */
async function bothTexts(input: string) {
  const read = await readInputs(['-'], stdinOf(input));
  const pieces = [...renderFleetJson(summarizeFleetParts(read, OPTIONS))];
  return { pieces, expected: JSON.stringify(summarizeFleet(read, OPTIONS), null, 2) };
}

test('fleet JSON in pieces: no host at all, the report and its problems', async () => {
  const { pieces, expected } = await bothTexts('not json\n');
  assert.match(expected, /"hosts": \[\]\n\}$/);
  assert.equal(pieces.join(''), expected);
});

test('fleet JSON in pieces: one host, and hostnames JSON escapes, sorted', async () => {
  const names = ['b-"quoted"', 'a\\back', 'c\nnew line', 'd\u2028separator', 'é-unicode', 'z'];
  const input = names.map((hostname) => json(hostReport({ hostname }))).join('');
  for (const text of [json(hostReport({ hostname: 'only' })), input]) {
    const { pieces, expected } = await bothTexts(text);
    assert.equal(pieces.join(''), expected);
  }
  const { expected } = await bothTexts(input);
  assert.equal(JSON.parse(expected).hosts.length, names.length);
});

test('fleet JSON in pieces: rows over many pieces, each piece bounded', async () => {
  const input = Array.from({ length: 400 }, (_, i) =>
    renderNdjson(hostModel({ hostname: `gpu-${i}`, gpus: 1, capable: i % 3 !== 0 })),
  ).join('');
  const { pieces, expected } = await bothTexts(input);
  assert.ok(pieces.length > 2, `${pieces.length} pieces`);
  assert.equal(pieces.join(''), expected);
  // A piece is flushed once it reaches the size: at most one row over it.
  const longestRow = Math.max(...JSON.parse(expected).hosts.map((h: unknown) => json(h).length));
  for (const piece of pieces) assert.ok(piece.length < PIECE_CHARS + 2 * longestRow);
});

test('report --json: the written text is JSON.stringify of the report, and a newline', async () => {
  const input = ['n2', 'n1'].map((hostname) => renderNdjson(hostModel({ hostname }))).join('');
  const run = await runReport(['-', '--json'], input);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stdout, json(JSON.parse(run.stdout)));
  assert.deepEqual(
    JSON.parse(run.stdout).hosts.map((h: { hostname: string }) => h.hostname),
    ['n1', 'n2'],
  );
});
