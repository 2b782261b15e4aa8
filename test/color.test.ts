import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useColor } from '../src/cli/color.js';

test('colour only on a terminal, and never with NO_COLOR or --no-color', () => {
  const tty = { write: () => true, isTTY: true };
  const pipe = { write: () => true };
  assert.equal(useColor(tty, {}, undefined), true);
  assert.equal(useColor(pipe, {}, undefined), false);
  assert.equal(useColor(tty, { NO_COLOR: '1' }, undefined), false);
  assert.equal(useColor(tty, {}, false), false);
});
