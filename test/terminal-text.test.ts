import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminalSafe, terminalSafeDeep } from '../src/render/terminal-text.js';

test('terminalSafe: escape sequences, CR, LF and C1 controls are shown, never sent', () => {
  assert.equal(terminalSafe('\u001b]0;owned\u0007GPU'), '\\x1b]0;owned\\x07GPU');
  assert.equal(terminalSafe('\u001b[2J\u001b[H'), '\\x1b[2J\\x1b[H');
  assert.equal(terminalSafe('ok\rFAIL\nflag: yes\t.'), 'ok\\rFAIL\\nflag: yes\\t.');
  assert.equal(terminalSafe('a\u009b31mb\u007f\u0000'), 'a\\x9b31mb\\x7f\\x00');
});

test('terminalSafe: bidirectional overrides and line separators are shown too', () => {
  assert.equal(terminalSafe('gpu\u202eabc\u2066x\u2069'), 'gpu\\u202eabc\\u2066x\\u2069');
  assert.equal(terminalSafe('a\u2028b'), 'a\\u2028b');
});

test('terminalSafe: ordinary text, non-ASCII letters included, is unchanged', () => {
  for (const text of ['NVIDIA H100 80GB HBM3', 'gpu-node-01', 'Grafikkarte Größe', '显卡', '']) {
    assert.equal(terminalSafe(text), text);
  }
});

test('terminalSafeDeep: every string however deep, a copy, keys like __proto__ kept as keys', () => {
  const input = JSON.parse(
    '{"a":"x\\u001b[2J","b":[1,null,true,{"c":"\\r"}],"__proto__":{"d":"\\n"}}',
  ) as Record<string, unknown>;
  const copy = terminalSafeDeep(input);
  assert.deepEqual(JSON.parse(JSON.stringify(copy)), {
    a: 'x\\x1b[2J',
    b: [1, null, true, { c: '\\r' }],
    ['__proto__']: { d: '\\n' },
  });
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(input['a'], 'x\u001b[2J', 'the input is not changed');
});
