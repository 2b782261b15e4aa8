import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileNameText } from '../src/fleet/file-name.js';

const name = (...bytes: number[]) => fileNameText(Uint8Array.from(bytes));

test('fileNameText: valid UTF-8 is decoded as it is', () => {
  for (const text of ['hosts/gpu-01.json', 'Größe.json', '显卡.ndjson', '😀', '']) {
    assert.equal(fileNameText(Buffer.from(text)), text);
  }
});

test('fileNameText: each byte of an invalid sequence is shown as \\xNN', () => {
  assert.equal(name(0x61, 0xff, 0x62), 'a\\xffb');
  assert.equal(name(0x67, 0x72, 0xf6, 0xdf, 0x65), 'gr\\xf6\\xdfe'); // Latin-1 "größe"
  assert.equal(name(0xc0, 0xaf), '\\xc0\\xaf', 'an overlong "/"');
  assert.equal(name(0xed, 0xa0, 0x80), '\\xed\\xa0\\x80', 'a UTF-16 surrogate');
  assert.equal(name(0xf4, 0x90, 0x80, 0x80), '\\xf4\\x90\\x80\\x80', 'past U+10FFFF');
  assert.equal(name(0xe6, 0x98), '\\xe6\\x98', 'a character cut short');
  assert.equal(name(0xe6, 0x98, 0xbe, 0xff), '显\\xff');
});
