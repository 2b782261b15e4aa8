/**
 * The koffi prototypes made from the registry declarations are the ones the binding used
 * to type by hand: every hand-written koffi.proto string in ffi-types.ts (and the loader's
 * lib.func string in ffi.ts) is read from the source and compared with the generated one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as T from '../src/vulkan/ffi-types.js';
import { VkPrototypes } from '../src/vulkan/generated/vk-prototypes.js';
import { koffiSignature } from '../src/vulkan/prototype-signatures.js';
import { repoRoot } from './support/paths.js';

/** The commands the shared two-argument prototype served. */
const SHARED_QUERY = [
  'vkGetPhysicalDeviceProperties',
  'vkGetPhysicalDeviceMemoryProperties',
  'vkGetPhysicalDeviceProperties2',
  'vkGetPhysicalDeviceFeatures2',
  'vkGetPhysicalDeviceMemoryProperties2',
];

function handWritten(file: string, call: string): Map<string, string> {
  const source = readFileSync(join(repoRoot, 'src/vulkan', file), 'utf8');
  const pattern = new RegExp(`${call}\\(\\s*'([^']+)'`, 'g');
  const out = new Map<string, string>();
  for (const [, signature] of source.matchAll(pattern)) {
    const name = /([A-Za-z_]\w*)\(/.exec(signature!)![1]!;
    out.set(name, signature!);
  }
  return out;
}

/** The signature with the function and parameter names left out. */
function typesOnly(signature: string): string {
  return signature
    .replace(/\w+\(/, '(')
    .split(/[(,)]/)
    .map((part) => part.trim().replace(/\s*\w+$/, ''))
    .join('|');
}

test('every generated prototype equals the hand-written one', () => {
  const written = handWritten('ffi-types.ts', 'koffi.proto');
  const compared = new Set<string>();
  for (const [name, signature] of Object.entries(T.prototypeSignatures)) {
    const own = written.get(`PFN_${name}`);
    if (own === undefined) continue;
    assert.equal(signature, own, name);
    compared.add(name);
  }
  const shared = written.get('PFN_vkPhysicalDeviceQuery');
  assert.ok(shared);
  for (const name of SHARED_QUERY) {
    const signature = T.prototypeSignatures[name as T.PrototypedCommand];
    assert.equal(typesOnly(signature), typesOnly(shared), name);
    compared.add(name);
  }
  const loader = handWritten('ffi.ts', 'lib.func').get('vkGetInstanceProcAddr');
  assert.equal(
    koffiSignature(
      'vkGetInstanceProcAddr',
      VkPrototypes.vkGetInstanceProcAddr,
      new Set(),
      'vkGetInstanceProcAddr',
    ),
    loader,
  );
  assert.deepEqual([...compared].sort(), Object.keys(VkPrototypes).sort());
});
