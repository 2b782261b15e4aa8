/**
 * The koffi prototypes are made from the registry's declarations (the generated table,
 * itself checked against vk.xml by test/vulkan-generated.test.ts) by the rule in
 * src/vulkan/prototype-signatures.ts. Checked here: each prototype koffi parsed has the
 * registry's parameters, in order and with the directions the rule gives them; a few
 * representative signatures are exactly what the binding relies on; and the rule refuses
 * what it has no mapping for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../src/vulkan/ffi-types.js';
import { VkCommands } from '../src/vulkan/generated/vk-commands.js';
import { VkPrototypes } from '../src/vulkan/generated/vk-prototypes.js';
import { koffiSignature } from '../src/vulkan/prototype-signatures.js';
import type { VkPrototypeDescriptor } from '../src/vulkan/registry-types.js';

interface KoffiPrototype {
  name: string;
  proto: { name: string; arguments: { direction: string }[] };
}

const entries = Object.entries(VkPrototypes) as [T.PrototypedCommand, VkPrototypeDescriptor][];

/** The parameter list of a prototype string, split into its declarations. */
function declarations(signature: string): string[] {
  const list = /\((.*)\)$/.exec(signature)?.[1];
  assert.ok(list !== undefined, signature);
  return list.split(', ');
}

test('there is a prototype for vkGetInstanceProcAddr and for every command the binding calls', () => {
  assert.deepEqual(
    Object.keys(VkPrototypes).sort(),
    ['vkGetInstanceProcAddr', ...Object.keys(VkCommands)].sort(),
  );
});

test("each prototype has the registry's parameters, in order, as koffi parsed it", () => {
  for (const [name, prototype] of entries) {
    const signature = T.prototypeSignatures[name];
    const type = T.prototypes[name] as unknown as KoffiPrototype;
    assert.equal(type.name, `PFN_${name}`);
    const params = declarations(signature);
    assert.deepEqual(
      params.map((declaration) => /(\w+)$/.exec(declaration)?.[1]),
      prototype.params.map((param) => param.name),
      name,
    );
    assert.equal(type.proto.arguments.length, prototype.params.length, name);
    params.forEach((declaration, index) => {
      const direction = declaration.startsWith('_Out_')
        ? 'Output'
        : declaration.startsWith('_Inout_')
          ? 'Input/Output'
          : 'Input';
      assert.equal(type.proto.arguments[index]?.direction, direction, `${name}: ${declaration}`);
    });
  }
});

test('representative prototypes are exactly what the binding relies on', () => {
  assert.equal(
    T.prototypeSignatures.vkCreateBuffer,
    'VkResult PFN_vkCreateBuffer(void *device, const VkBufferCreateInfo *pCreateInfo, void *pAllocator, _Out_ uint64_t *pBuffer)',
  );
  assert.equal(
    T.prototypeSignatures.vkEnumeratePhysicalDevices,
    'VkResult PFN_vkEnumeratePhysicalDevices(void *instance, _Inout_ uint32_t *pPhysicalDeviceCount, void *pPhysicalDevices)',
  );
  assert.equal(
    T.prototypeSignatures.vkGetMemoryRemoteAddressNV,
    'VkResult PFN_vkGetMemoryRemoteAddressNV(void *device, const VkMemoryGetRemoteAddressInfoNV *pMemoryGetRemoteAddressInfo, _Out_ uint64_t *pAddress)',
  );
  assert.equal(
    T.prototypeSignatures.vkGetInstanceProcAddr,
    'void *PFN_vkGetInstanceProcAddr(void *instance, const char *pName)',
  );
  assert.equal(T.loaderSignature, 'void *vkGetInstanceProcAddr(void *instance, const char *pName)');
  assert.equal(
    T.prototypeSignatures.vkGetPhysicalDeviceFeatures2,
    'void PFN_vkGetPhysicalDeviceFeatures2(void *physicalDevice, void *pFeatures)',
  );
});

test('a struct the binding does not declare is passed as void *', () => {
  assert.equal(
    koffiSignature('vkCreateBuffer', VkPrototypes.vkCreateBuffer, new Set()),
    'VkResult PFN_vkCreateBuffer(void *device, void *pCreateInfo, void *pAllocator, _Out_ uint64_t *pBuffer)',
  );
});

test('the rule refuses declarations it has no mapping for', () => {
  const withParam = (param: VkPrototypeDescriptor['params'][number]): VkPrototypeDescriptor => ({
    returns: { type: 'void', c: 'void' },
    params: [param],
  });
  const refused = [
    withParam({ name: 'ppData', type: 'void', c: 'void', pointers: 2 }),
    withParam({ name: 'pValues', type: 'uint32_t', c: 'uint32_t', pointers: 1, const: true }),
    withParam({ name: 'info', type: 'VkBufferCreateInfo', c: 'struct' }),
    withParam({ name: 'pfn', type: 'PFN_vkVoidFunction', c: 'funcpointer' }),
  ];
  for (const prototype of refused) {
    assert.throws(
      () => koffiSignature('vkTest', prototype, new Set(['VkBufferCreateInfo'])),
      /^TypeError: vkTest\.\w+: no koffi mapping for /,
      prototype.params[0]?.name,
    );
  }
  // A count that is not a uint32_t is not the two-call idiom the rule knows.
  assert.throws(
    () =>
      koffiSignature(
        'vkTest',
        {
          returns: { type: 'VkResult', c: 'int32_t' },
          params: [
            { name: 'pCount', type: 'size_t', c: 'size_t', pointers: 1 },
            { name: 'pData', type: 'void', c: 'void', pointers: 1, len: 'pCount' },
          ],
        },
        new Set(),
      ),
    /vkTest\.pCount: no koffi mapping for size_t\*/,
  );
});
