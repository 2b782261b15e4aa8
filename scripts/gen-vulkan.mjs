#!/usr/bin/env node
// Writes the Vulkan tables the binding, the probe and the test driver use, from the
// registry (vk.xml), the way vulkaninfo generates its printers: one source of truth, no
// hand-typed values. Outputs:
// - src/vulkan/generated/vk-enums.ts: VkResult, sTypes, flag bits, enums, API constants
//   and the core versions;
// - src/vulkan/generated/vk-structs.ts: the members of every structure the binding
//   declares (src/vulkan/ffi-types.ts builds its koffi structs from them);
// - src/vulkan/generated/vk-commands.ts: how every command the binding calls is
//   dispatched and what provides it (src/vulkan/commands.ts resolves them by it);
// - src/vulkan/generated/vk-prototypes.ts: the return type and parameters of those
//   commands and of vkGetInstanceProcAddr (src/vulkan/ffi-types.ts builds its koffi
//   prototypes from them);
// - test/driver/vk_result_names.h: the VkResult names, for the C test driver.
//
//   node scripts/gen-vulkan.mjs [--registry PATH] [--out DIR]
//
// --registry defaults to $VK_REGISTRY, then /usr/share/vulkan/registry/vk.xml (libvulkan-dev).
// --out is the folder the repository-relative outputs are written under (default: the
// repository root); the generated-files test points it at a temporary folder and compares.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCommands, renderCommands } from './vk-registry/commands.mjs';
import { readPrototypes, renderPrototypes } from './vk-registry/prototypes.mjs';
import { apiVersions, readRequirements } from './vk-registry/requirements.mjs';
import { readStructs, renderStructs } from './vk-registry/structs.mjs';
import { formatTypeScript, generatedHeader } from './vk-registry/ts-literal.mjs';
import { readTypes, readWideEnums } from './vk-registry/types.mjs';
import { attributes, forVulkan, withoutComments } from './vk-registry/xml.mjs';

const DEFAULT_REGISTRY = '/usr/share/vulkan/registry/vk.xml';
const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUTS = {
  enums: 'src/vulkan/generated/vk-enums.ts',
  structs: 'src/vulkan/generated/vk-structs.ts',
  commands: 'src/vulkan/generated/vk-commands.ts',
  prototypes: 'src/vulkan/generated/vk-prototypes.ts',
  c: 'test/driver/vk_result_names.h',
};

/**
 * The structures the binding declares (src/vulkan/ffi-types.ts), by their core names.
 * Structures they hold by value must be here too; the generator refuses otherwise.
 */
const STRUCTS = [
  'VkApplicationInfo',
  'VkInstanceCreateInfo',
  'VkExtensionProperties',
  'VkLayerProperties',
  'VkPhysicalDeviceLimits',
  'VkPhysicalDeviceSparseProperties',
  'VkPhysicalDeviceProperties',
  'VkPhysicalDeviceProperties2',
  'VkPhysicalDeviceIDProperties',
  'VkConformanceVersion',
  'VkPhysicalDeviceDriverProperties',
  'VkPhysicalDevicePCIBusInfoPropertiesEXT',
  'VkPhysicalDeviceFeatures',
  'VkPhysicalDeviceFeatures2',
  'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV',
  'VkMemoryType',
  'VkMemoryHeap',
  'VkPhysicalDeviceMemoryProperties',
  'VkPhysicalDeviceMemoryProperties2',
  'VkPhysicalDeviceMemoryBudgetPropertiesEXT',
  'VkPhysicalDeviceExternalBufferInfo',
  'VkExternalMemoryProperties',
  'VkExternalBufferProperties',
  'VkExtent3D',
  'VkQueueFamilyProperties',
  'VkDeviceQueueCreateInfo',
  'VkDeviceCreateInfo',
  'VkBufferCreateInfo',
  'VkExternalMemoryBufferCreateInfo',
  'VkBufferMemoryRequirementsInfo2',
  'VkMemoryRequirements',
  'VkMemoryRequirements2',
  'VkMemoryDedicatedRequirements',
  'VkMemoryAllocateInfo',
  'VkExportMemoryAllocateInfo',
  'VkMemoryDedicatedAllocateInfo',
  'VkMemoryGetRemoteAddressInfoNV',
  'VkDebugUtilsMessengerCreateInfoEXT',
  'VkDebugUtilsMessengerCallbackDataEXT',
];

/**
 * The commands the binding calls, by their core names (src/vulkan/commands.ts says when
 * each is resolved). vkGetInstanceProcAddr is not here: it is the one symbol taken from
 * the loader library itself.
 */
const COMMANDS = [
  'vkCreateInstance',
  'vkEnumerateInstanceLayerProperties',
  'vkEnumerateInstanceVersion',
  'vkDestroyInstance',
  'vkEnumeratePhysicalDevices',
  'vkCreateDebugUtilsMessengerEXT',
  'vkDestroyDebugUtilsMessengerEXT',
  'vkEnumerateDeviceExtensionProperties',
  'vkGetPhysicalDeviceProperties',
  'vkGetPhysicalDeviceMemoryProperties',
  'vkGetPhysicalDeviceQueueFamilyProperties',
  'vkGetPhysicalDeviceProperties2',
  'vkGetPhysicalDeviceFeatures2',
  'vkGetPhysicalDeviceMemoryProperties2',
  'vkGetPhysicalDeviceExternalBufferProperties',
  'vkCreateDevice',
  'vkGetDeviceProcAddr',
  'vkDestroyDevice',
  'vkCreateBuffer',
  'vkDestroyBuffer',
  'vkGetBufferMemoryRequirements2',
  'vkAllocateMemory',
  'vkFreeMemory',
  'vkBindBufferMemory',
  'vkGetMemoryRemoteAddressNV',
];

/** The one command bound from the loader library by its symbol; it resolves all the others. */
const LOADER_COMMAND = 'vkGetInstanceProcAddr';

/** The bit tables the decoders name, as <registry type>: <exported name>. */
const FLAG_TABLES = {
  VkMemoryPropertyFlagBits: 'MemoryPropertyFlag',
  VkMemoryHeapFlagBits: 'MemoryHeapFlag',
  VkExternalMemoryFeatureFlagBits: 'ExternalMemoryFeatureFlag',
  VkExternalMemoryHandleTypeFlagBits: 'ExternalMemoryHandleTypeFlag',
  VkQueueFlagBits: 'QueueFlag',
  VkBufferUsageFlagBits: 'BufferUsageFlag',
  VkDebugUtilsMessageSeverityFlagBitsEXT: 'DebugSeverity',
  VkDebugUtilsMessageTypeFlagBitsEXT: 'DebugMessageType',
};

/** API constants the binding sizes its arrays with. */
const API_CONSTANTS = [
  'VK_MAX_PHYSICAL_DEVICE_NAME_SIZE',
  'VK_MAX_EXTENSION_NAME_SIZE',
  'VK_MAX_DESCRIPTION_SIZE',
  'VK_MAX_DRIVER_NAME_SIZE',
  'VK_MAX_DRIVER_INFO_SIZE',
  'VK_UUID_SIZE',
  'VK_LUID_SIZE',
  'VK_MAX_MEMORY_TYPES',
  'VK_MAX_MEMORY_HEAPS',
  'VK_TRUE',
  'VK_FALSE',
];

/** Plain (non-bitmask) enums the binding writes or the probe names, as <registry type>: <exported name>. */
const ENUM_TABLES = {
  VkSharingMode: 'SharingMode',
  VkPhysicalDeviceType: 'VkPhysicalDeviceType',
  VkVendorId: 'VendorId',
};

const EXTENSION_BASE = 1000000000;
const EXTENSION_BLOCK = 1000;

function parseNumber(text, where) {
  const trimmed = text.trim();
  const value = /^-?0x[0-9a-f]+$/i.test(trimmed)
    ? Number.parseInt(trimmed, 16)
    : /^-?\d+$/.test(trimmed)
      ? Number(trimmed)
      : NaN;
  if (!Number.isSafeInteger(value)) throw new Error(`${where}: cannot read the value ${text}`);
  return value;
}

function readValue(group, text, name) {
  return group === 'API Constants' && !/^-?(0x)?[0-9a-f]+$/i.test(text.trim())
    ? text
    : parseNumber(text, name);
}

/**
 * Every enumerant of every <enums> group, with the additions of the core versions and the
 * supported extensions folded in. Aliases are left out: each value appears once.
 * Returns Map<group, Map<name, value>> in registry order.
 */
function readEnums(xml) {
  const groups = new Map();
  const add = (group, name, value) => {
    if (!groups.has(group)) groups.set(group, new Map());
    const members = groups.get(group);
    const seen = members.get(name);
    if (seen !== undefined && seen !== value)
      throw new Error(`${name} is both ${seen} and ${value} in vk.xml`);
    members.set(name, value);
  };

  const text = withoutComments(xml);
  // Where each <enum> sits: the <enums> group, or the <feature>/<extension> and its <require>.
  let enums = null;
  let block = null; // { number, skip }
  let requireSkip = false;
  for (const match of text.matchAll(/<(\/?)([A-Za-z_][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, tag, rest, selfClosing] = match;
    const attrs = closing ? {} : attributes(rest);
    if (tag === 'enums') {
      enums = closing || selfClosing ? null : attrs.name;
    } else if (tag === 'feature' || tag === 'extension') {
      if (closing) block = null;
      else {
        const supported = tag === 'feature' ? attrs.api : attrs.supported;
        block = {
          number: tag === 'extension' ? Number(attrs.number) : null,
          skip: !forVulkan(supported),
        };
      }
    } else if (tag === 'require') {
      requireSkip = !closing && !forVulkan(attrs.api);
    } else if (tag === 'enum' && !closing) {
      if (attrs.alias !== undefined || !forVulkan(attrs.api)) continue;
      const name = attrs.name;
      if (enums !== null) {
        // API constants include C expressions ((~0U), 1000.0F); those stay as text.
        if (attrs.value !== undefined) add(enums, name, readValue(enums, attrs.value, name));
        else if (attrs.bitpos !== undefined) add(enums, name, 2 ** Number(attrs.bitpos));
        continue;
      }
      if (block === null || block.skip || requireSkip || attrs.extends === undefined) continue;
      let value;
      if (attrs.offset !== undefined) {
        const extnumber = attrs.extnumber !== undefined ? Number(attrs.extnumber) : block.number;
        if (!Number.isInteger(extnumber)) throw new Error(`${name}: no extension number`);
        value = EXTENSION_BASE + (extnumber - 1) * EXTENSION_BLOCK + Number(attrs.offset);
        if (attrs.dir === '-') value = -value;
      } else if (attrs.bitpos !== undefined) {
        value = 2 ** Number(attrs.bitpos);
      } else if (attrs.value !== undefined) {
        value = parseNumber(attrs.value, name);
      } else {
        throw new Error(`${name}: an enum with no value`);
      }
      add(attrs.extends, name, value);
    }
  }
  return groups;
}

/**
 * The sType each structure must carry (its sType member's values="..."), as
 * Map<structure, VK_STRUCTURE_TYPE_ name>, in registry order; aliases left out.
 */
function readStructureTypes(xml) {
  const out = new Map();
  const text = withoutComments(xml);
  let struct = null;
  let depth = 0;
  for (const match of text.matchAll(/<(\/?)(type|member)\b([^>]*?)(\/?)>/g)) {
    const [, closing, tag, rest, selfClosing] = match;
    if (tag === 'type') {
      if (struct !== null) {
        if (closing) depth--;
        else if (!selfClosing) depth++;
        if (depth === 0) struct = null;
        continue;
      }
      const attrs = attributes(rest);
      if (closing || selfClosing || attrs.category !== 'struct' || !forVulkan(attrs.api)) continue;
      struct = attrs.name;
      depth = 1;
    } else if (tag === 'member' && !closing && struct !== null) {
      const attrs = attributes(rest);
      if (attrs.values?.startsWith('VK_STRUCTURE_TYPE_') && forVulkan(attrs.api)) {
        out.set(struct, attrs.values);
      }
    }
  }
  return out;
}

/** The registry's version, as VK_HEADER_VERSION_COMPLETE spells it: 1.3.239. */
function readVersion(xml) {
  const patch = /#define\s+<name>VK_HEADER_VERSION<\/name>\s+(\d+)/.exec(xml);
  const complete =
    /<name>VK_HEADER_VERSION_COMPLETE<\/name>\s*<type>VK_MAKE_API_VERSION<\/type>\(\s*\d+\s*,\s*(\d+)\s*,\s*(\d+)\s*,/.exec(
      xml,
    );
  if (!patch || !complete) throw new Error('vk.xml: no VK_HEADER_VERSION found');
  return `${complete[1]}.${complete[2]}.${patch[1]}`;
}

/** VkMemoryPropertyFlagBits -> VK_MEMORY_PROPERTY_; VkStructureType -> VK_STRUCTURE_TYPE_. */
function prefixOf(type) {
  const stem = type.replace(/^Vk/, '').replace(/(FlagBits)?([A-Z]{2,})?$/, '');
  return `VK_${stem.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_`;
}

function vendorOf(type) {
  return /[a-z0-9]([A-Z]{2,})$/.exec(type)?.[1] ?? null;
}

/** VK_MEMORY_PROPERTY_DEVICE_COHERENT_BIT_AMD -> DEVICE_COHERENT_AMD (the vendor kept
 * unless the type has it too: VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT -> ERROR). */
function shortName(type, name) {
  const prefix = prefixOf(type);
  if (!name.startsWith(prefix)) throw new Error(`${name} does not start with ${prefix}`);
  const vendor = vendorOf(type);
  return name
    .slice(prefix.length)
    .replace(/_BIT(_[A-Z]+)?$/, (_, suffix = '') => (suffix === `_${vendor}` ? '' : suffix));
}

function group(groups, name) {
  const members = groups.get(name);
  if (!members || members.size === 0) throw new Error(`vk.xml has no enums ${name}`);
  return members;
}

const hex = (value) => `0x${value.toString(16)}`;

function renderTs(groups, structureTypes, versions, version) {
  const lines = generatedHeader(version);
  const table = (doc, name, entries, format) => {
    lines.push(`/** ${doc} */`, `export const ${name} = {`);
    for (const [key, value] of entries) lines.push(`  ${key}: ${format(value)},`);
    lines.push('} as const;', '');
  };

  const api = group(groups, 'API Constants');
  for (const name of API_CONSTANTS) {
    const value = api.get(name);
    if (typeof value !== 'number') throw new Error(`vk.xml has no integer ${name}`);
    lines.push(`export const ${name} = ${value};`);
  }
  lines.push('');

  table(
    'The core versions (<feature>), as VK_MAKE_API_VERSION(0, major, minor, 0).',
    'ApiVersion',
    versions,
    hex,
  );
  table(
    'VkResult: every code the registry defines, core and extensions (aliases left out).',
    'VkResult',
    group(groups, 'VkResult'),
    String,
  );
  table(
    'VkStructureType: every sType the registry defines (aliases left out), without the VK_STRUCTURE_TYPE_ prefix.',
    'StructureType',
    [...group(groups, 'VkStructureType')].map(([name, value]) => [
      shortName('VkStructureType', name),
      value,
    ]),
    String,
  );
  const sTypes = group(groups, 'VkStructureType');
  table(
    'The sType each structure must carry, by structure name (the registry pairs them).',
    'StructureTypeOf',
    // A structure of a disabled extension has an sType no supported part defines: left out.
    [...structureTypes]
      .filter(([, sType]) => sTypes.has(sType))
      .map(([struct, sType]) => [struct, sTypes.get(sType)]),
    String,
  );
  for (const [type, name] of Object.entries(ENUM_TABLES)) {
    const members = [...group(groups, type)].map(([member, value]) => [
      shortName(type, member),
      value,
    ]);
    table(`${type}, without the prefix.`, name, members, String);
  }
  for (const [type, name] of Object.entries(FLAG_TABLES)) {
    const bits = [...group(groups, type)]
      .filter(([, value]) => value > 0 && (value & (value - 1)) === 0)
      .sort((a, b) => a[1] - b[1])
      .map(([member, value]) => [shortName(type, member), value]);
    table(`${type}: the single bits, without the prefix and _BIT.`, name, bits, hex);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function renderC(groups, version) {
  const lines = [
    `/* generated by scripts/gen-vulkan.mjs from vk.xml ${version}; do not edit */`,
    '/* Every VkResult the registry defines (aliases left out), core and extensions. */',
    '#ifndef RDMA_TEST_VK_RESULT_NAMES_H',
    '#define RDMA_TEST_VK_RESULT_NAMES_H',
    '',
    '#include <vulkan/vulkan.h>',
    '',
    '/* Values as numbers: some codes belong to extensions whose header is not included. */',
    'static const struct vk_result_name {',
    '    const char *name;',
    '    VkResult value;',
    '} vk_result_names[] = {',
  ];
  for (const [name, value] of group(groups, 'VkResult')) {
    lines.push(`    {"${name}", (VkResult)${value}},`);
  }
  lines.push('};', '', '#endif', '');
  return lines.join('\n');
}

function parseArgs(argv) {
  const options = {
    registry: process.env.VK_REGISTRY || DEFAULT_REGISTRY,
    out: REPOSITORY,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--registry' || arg === '--out') && value !== undefined) {
      options[arg.slice(2)] = value;
      i++;
    } else {
      throw new Error(`usage: gen-vulkan.mjs [--registry vk.xml] [--out DIR] (got ${arg})`);
    }
  }
  return options;
}

/** TypeScript outputs are laid out by prettier with the repository's own settings. */
async function format(path, text) {
  return path.endsWith('.ts') ? formatTypeScript(REPOSITORY, path, text) : text;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const xml = readFileSync(options.registry, 'utf8');
  const groups = readEnums(xml);
  const version = readVersion(xml);
  const requirements = readRequirements(xml);
  const context = {
    xml,
    types: readTypes(xml),
    wideEnums: readWideEnums(xml),
    requirements,
    apiConstants: group(groups, 'API Constants'),
    sTypes: group(groups, 'VkStructureType'),
  };
  const outputs = [
    [OUTPUTS.enums, renderTs(groups, readStructureTypes(xml), apiVersions(requirements), version)],
    [OUTPUTS.structs, renderStructs(readStructs(STRUCTS, context), version)],
    [OUTPUTS.commands, renderCommands(readCommands(COMMANDS, context), version)],
    [
      OUTPUTS.prototypes,
      renderPrototypes(readPrototypes([LOADER_COMMAND, ...COMMANDS], context), version),
    ],
    [OUTPUTS.c, renderC(groups, version)],
  ];
  for (const [path, text] of outputs) {
    const target = join(options.out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, await format(path, text));
    console.log(`gen-vulkan: wrote ${path} (vk.xml ${version})`);
  }
}

try {
  await main();
} catch (error) {
  console.error(`gen-vulkan: ${error.message}`);
  process.exit(1);
}
