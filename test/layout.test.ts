/**
 * Every struct the binding defines has the size and member offsets that the real
 * Vulkan headers give: a small C program is generated from koffi's own layouts,
 * compiled with cc against <vulkan/vulkan.h>, and its answers compared. This catches
 * layout slips that the validation layer would not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as T from '../src/vulkan/ffi-types.js';

/** koffi-only views whose members must sit where the named C struct has them. */
const PREFIX_VIEWS: Record<string, ReturnType<typeof T.describeLayout> & { cName: string }> =
  Object.fromEntries(
    Object.entries(T.prefixViewOf).map(([name, { struct }]) => [
      name,
      { cName: struct, ...T.describeLayout(T.views[name as keyof typeof T.views]) },
    ]),
  );

/** Structs declared as opaque arrays: only size and alignment must match. */
const OPAQUE = T.opaqueStructs;

const work = mkdtempSync(join(tmpdir(), 'rdma-probe-layout-'));
after(() => rmSync(work, { recursive: true, force: true }));

function cLayouts(): Map<string, number> {
  const lines = [
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include <vulkan/vulkan.h>',
    'int main(void) {',
  ];
  const emit = (key: string, expr: string) =>
    lines.push(`  printf("%s %zu\\n", "${key}", (size_t)(${expr}));`);
  for (const [name, type] of Object.entries(T.layoutCheckedStructs)) {
    emit(`${name}`, `sizeof(${name})`);
    for (const member of Object.keys(T.describeLayout(type).members)) {
      emit(`${name}.${member}`, `offsetof(${name}, ${member})`);
    }
  }
  for (const [name, view] of Object.entries(PREFIX_VIEWS)) {
    for (const member of Object.keys(view.members))
      emit(`${name}.${member}`, `offsetof(${view.cName}, ${member})`);
  }
  for (const name of Object.keys(OPAQUE)) {
    emit(name, `sizeof(${name})`);
    emit(`${name}@align`, `_Alignof(${name})`);
  }
  lines.push('  return 0;', '}');
  const source = join(work, 'layout.c');
  const binary = join(work, 'layout');
  writeFileSync(source, `${lines.join('\n')}\n`);
  execFileSync('cc', ['-std=c11', '-Wall', '-Werror', '-o', binary, source]);
  const output = execFileSync(binary, { encoding: 'utf8' });
  return new Map(
    output
      .trim()
      .split('\n')
      .map((line) => {
        const [key, value] = line.split(' ');
        return [key!, Number(value)];
      }),
  );
}

test('koffi struct layouts match the Vulkan headers', () => {
  const c = cLayouts();
  let checked = 0;
  for (const [name, type] of Object.entries(T.layoutCheckedStructs)) {
    const layout = T.describeLayout(type);
    assert.equal(layout.size, c.get(name), `sizeof(${name})`);
    for (const [member, offset] of Object.entries(layout.members)) {
      assert.equal(offset, c.get(`${name}.${member}`), `offsetof(${name}, ${member})`);
      checked++;
    }
  }
  for (const [name, view] of Object.entries(PREFIX_VIEWS)) {
    for (const [member, offset] of Object.entries(view.members)) {
      assert.equal(offset, c.get(`${name}.${member}`), `offsetof(${view.cName}, ${member})`);
      checked++;
    }
  }
  for (const [name, type] of Object.entries(OPAQUE)) {
    assert.equal(type.size, c.get(name), `sizeof(${name})`);
    assert.equal(type.alignment, c.get(`${name}@align`), `_Alignof(${name})`);
  }
  assert.ok(checked > 150, `only ${checked} members checked`);
});
