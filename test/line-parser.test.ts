/**
 * The NDJSON line parser (src/fleet/line-parser.ts) parses only what a line does not share
 * with the previous one: its answer must be JSON.parse's for every line, valid or not,
 * value for value and key for key, whatever came before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineParser } from '../src/fleet/line-parser.js';
import { renderNdjson } from '../src/render/ndjson.js';
import { hostModel } from './support/fleet.js';

/** JSON.parse of the bytes as UTF-8, as report does it; undefined where that fails. */
function reference(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return undefined;
  }
}

/** Equal values with their own keys in the same order, all the way down. */
function assertSameValue(actual: unknown, expected: unknown, where: string): void {
  assert.deepStrictEqual(actual, expected, where);
  if (typeof expected === 'object' && expected !== null) {
    assert.deepEqual(Reflect.ownKeys(actual as object), Reflect.ownKeys(expected), where);
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected), where);
    for (const key of Reflect.ownKeys(expected)) {
      const get = (value: unknown) => Object.getOwnPropertyDescriptor(value, key)?.value;
      assertSameValue(get(actual), get(expected), `${where}.${String(key)}`);
    }
  }
}

/** Feeds the lines in order to one parser and checks every answer against JSON.parse. */
function assertLikeJsonParse(lines: (string | Uint8Array)[]): LineParser {
  const parser = new LineParser();
  lines.forEach((line, i) => {
    const bytes = typeof line === 'string' ? Buffer.from(line) : line;
    const parsed = parser.parse(bytes);
    const expected = reference(bytes);
    const where = `line ${i + 1}: ${Buffer.from(bytes).toString('latin1').slice(-60)}`;
    if (expected === undefined) assert.equal(parsed.ok, false, where);
    else {
      assert.equal(parsed.ok, true, where);
      if (parsed.ok) assertSameValue(parsed.value, expected.value, where);
    }
  });
  return parser;
}

/** A beginning that lines can share: long enough to be worth it, tricky to scan. */
const SHARED =
  '{"schemaVersion":1,"text":"a, \\"quoted\\" {brace} [bracket], and \\\\","nested":{"a":[1,{"b":"}"}],"c":"]"},' +
  `"pad":"${'x'.repeat(300)}","__proto__":{"polluted":true},"dup":"first",`;

test('line parser: lines sharing their beginning parse as JSON.parse parses them', () => {
  assertLikeJsonParse([
    `${SHARED}"gpu":{"index":0}}`,
    `${SHARED}"gpu":{"index":1}}`,
    `${SHARED}"gpu":{"index":2},"dup":"later wins, first place kept"}`,
    `${SHARED}"__proto__":"own key, not the prototype"}`,
    `${SHARED}"a":1}   `,
    `${SHARED}"1":"integer keys first","0":0}`,
    `${SHARED}"gpu":{"index":3}}`,
  ]);
});

test('line parser: what follows a shared beginning is judged as in the whole line', () => {
  const good = `${SHARED}"gpu":{"index":0}}`;
  const variants = [
    `${SHARED}}`, // a trailing comma
    `${SHARED} "gpu":1}`, // whitespace before the member: parsed whole
    `${SHARED}"gpu":1`, // unterminated
    `${SHARED}"gpu":1}}`, // one brace too many
    `${SHARED}"gpu":1} trailing`,
    `${SHARED}"gpu":1,}`,
    `${SHARED}\uFEFF"gpu":1}`, // a byte order mark mid-line is no whitespace
    `${SHARED}"gpu":"\u2028 and é"}`,
    `${SHARED}"gpu":1}\n`,
  ];
  for (const variant of variants) assertLikeJsonParse([good, good, variant, good, variant]);
  // Bytes that are not UTF-8, after the shared beginning and in it.
  const broken = Buffer.concat([
    Buffer.from(`${SHARED}"gpu":"`),
    Buffer.from([0xff]),
    Buffer.from('"}'),
  ]);
  assertLikeJsonParse([good, good, broken, good]);
  const brokenStart = Buffer.from(good);
  brokenStart[40] = 0xc3;
  assertLikeJsonParse([brokenStart, brokenStart, good, brokenStart]);
});

test('line parser: a beginning that is no run of whole members is never shared', () => {
  const blank = `{${' '.repeat(400)}`;
  const unterminated = `{"a":"${'x'.repeat(400)}`;
  const notAnObject = `[${'1,'.repeat(300)}`;
  for (const start of [blank, unterminated, notAnObject]) {
    assertLikeJsonParse([`${start},"b":1}`, `${start},"b":2}`, `${start},"b":3}`]);
  }
  // Lines too short to share anything, and lines of other kinds between shared ones.
  assertLikeJsonParse(['{"a":1}', '{"a":1}', '[1]', '"text"', '{}', '{', '']);
  const good = `${SHARED}"gpu":{"index":0}}`;
  assertLikeJsonParse([good, good, '{"a":1}', good, '[]', good, `${SHARED.slice(0, 300)}`, good]);
  // A long shared string holding what looks like members.
  const inString = `{"s":"${'"k":1,'.repeat(80)}`;
  assertLikeJsonParse([`${inString}","a":1}`, `${inString}","a":2}`, `${inString}"}`]);
});

test("line parser: list --ndjson lines of several hosts; each host's shared fields parsed once", () => {
  const hosts = ['gpu-01', 'gpu-02', 'gpu-03'];
  const lines = hosts.flatMap((hostname) =>
    renderNdjson(hostModel({ hostname, gpus: 4 }))
      .trimEnd()
      .split('\n'),
  );
  // In order, then interleaved line by line.
  assertLikeJsonParse(lines);
  const interleaved = [0, 1, 2, 3].flatMap((gpu) => hosts.map((_, h) => lines[h * 4 + gpu]!));
  assertLikeJsonParse(interleaved);

  const parser = new LineParser();
  const values = lines.map((line) => {
    const parsed = parser.parse(Buffer.from(line));
    assert.ok(parsed.ok);
    return parsed.value as { host: { hostname: string }; gpu: { index: number } };
  });
  // The host's fields come from one parse for its lines after the first two.
  for (let h = 0; h < hosts.length; h++) {
    const mine = values.slice(h * 4, h * 4 + 4);
    assert.equal(mine[2]!.host, mine[1]!.host, hosts[h]);
    assert.equal(mine[3]!.host, mine[1]!.host, hosts[h]);
    assert.deepEqual(
      mine.map((v) => [v.host.hostname, v.gpu.index]),
      [0, 1, 2, 3].map((index) => [hosts[h], index]),
    );
  }
});

test('line parser: random edits of shared lines still parse as JSON.parse parses them', () => {
  const base = renderNdjson(hostModel({ hostname: 'fuzz', gpus: 3 }))
    .trimEnd()
    .split('\n');
  const alphabet = Buffer.from('{}[]",:\\ 0a\u00e9');
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const lines = base.map((line) => Buffer.from(line));
    // One edit in one line: often inside what the lines share, often after it.
    const line = lines[1 + random(2)]!;
    const at = random(line.length);
    const edited = Buffer.concat([
      line.subarray(0, at),
      alphabet.subarray(random(alphabet.length)).subarray(0, 1 + random(2)),
      line.subarray(at + random(3)),
    ]);
    assertLikeJsonParse([lines[0]!, lines[1]!, edited, lines[2]!, edited]);
  }
});
