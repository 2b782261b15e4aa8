#!/usr/bin/env node
// Writes the test driver's valid-usage tables from the registry, so that no structure
// name, sType, version, extension or VUID in them is typed by hand:
//
// - test/driver/generated/chain_rules.c: for each structure the driver is handed, the
//   structures that may extend it (vk.xml's structextends), restricted to what the driver
//   implements (Vulkan 1.1-1.3 core and its three device extensions, plus what the loader
//   and layers put in vkCreateInstance's chain), with its sType and the VUIDs of its sType
//   and pNext rules from validusage.json;
// - test/driver/generated/chain_rules.h: the declarations of those tables;
// - test/driver/generated/vuids.h: every VUID_<name> the driver's sources use, defined as
//   the VUID validusage.json spells. A name that is no VUID there, or one stated only for
//   what the driver lacks (an Android variant), stops the generator: a check can only be
//   named by a rule that exists and applies;
// - test/support/generated/chain-rules.ts and vuids.ts: the same tables and the same VUID
//   names for the in-memory binding (test/support/memory-binding.ts), which must name and
//   judge every check exactly as the driver does.
//
//   node scripts/gen-chain-rules.mjs [--registry vk.xml] [--validusage PATH] [--out DIR]
//                                    [--sources DIR]
//
// --registry defaults to $VK_REGISTRY, then /usr/share/vulkan/registry/vk.xml (libvulkan-dev);
// --validusage to the validusage.json beside it. --out is the folder the repository-relative
// outputs are written under (default: the repository root); the generated-files test points
// it at a temporary folder and compares. --sources is the folder of the driver's C sources
// whose VUID_ names are resolved (default: test/driver of the repository).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTypeScript, literal } from './vk-registry/ts-literal.mjs';

const DEFAULT_REGISTRY = '/usr/share/vulkan/registry/vk.xml';
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const DRIVER_SOURCES = 'test/driver';
const OUTPUTS = {
  rules: 'test/driver/generated/chain_rules.c',
  declarations: 'test/driver/generated/chain_rules.h',
  vuids: 'test/driver/generated/vuids.h',
  tsRules: 'test/support/generated/chain-rules.ts',
  tsVuids: 'test/support/generated/vuids.ts',
};

/** The core versions the driver implements (it reports Vulkan 1.3). */
const CORE_VERSIONS = ['1.1', '1.2', '1.3'];

/** The device extensions the driver can report, as the ICD_EXT_ flag icd.h gives each. */
const DEVICE_EXTENSIONS = {
  VK_NV_external_memory_rdma: 'ICD_EXT_RDMA',
  VK_EXT_memory_budget: 'ICD_EXT_MEMORY_BUDGET',
  VK_EXT_pci_bus_info: 'ICD_EXT_PCI_BUS_INFO',
};

/** Instance extensions the loader and the layers implement: their structures reach the
 * driver's vkCreateInstance whatever the driver supports. */
const LOADER_AND_LAYER_EXTENSIONS = [
  'VK_EXT_debug_report',
  'VK_EXT_debug_utils',
  'VK_EXT_validation_features',
  'VK_EXT_validation_flags',
  'VK_LUNARG_direct_driver_loading',
];

/** The instance extensions the driver reports. */
const INSTANCE_EXTENSIONS = [
  'VK_KHR_get_physical_device_properties2',
  'VK_KHR_external_memory_capabilities',
];

/**
 * The structures the driver checks the chain (or the sType) of. `loader`: the loader's own
 * link structure (vk_layer.h, not in vk.xml), which it chains once for each purpose;
 * `fromLoaderAndLayers`: whether LOADER_AND_LAYER_EXTENSIONS add to it; `chainVuid`: the
 * rule that covers the chain when the structure has no pNext VUID of its own.
 */
const PARENTS = {
  VkInstanceCreateInfo: {
    loader: ['VkLayerInstanceCreateInfo', 'VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO'],
    fromLoaderAndLayers: true,
  },
  VkPhysicalDeviceProperties2: {},
  // It extends VkDeviceCreateInfo itself, so the registry gives its chain no rule of its
  // own; a chain vkGetPhysicalDeviceFeatures2 cannot take makes pFeatures invalid.
  VkPhysicalDeviceFeatures2: { chainVuid: 'VUID-vkGetPhysicalDeviceFeatures2-pFeatures-parameter' },
  VkPhysicalDeviceMemoryProperties2: {},
  VkQueueFamilyProperties2: {},
  VkFormatProperties2: {},
  VkPhysicalDeviceExternalBufferInfo: {},
  VkExternalBufferProperties: {},
  VkDeviceCreateInfo: {
    loader: ['VkLayerDeviceCreateInfo', 'VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO'],
  },
  VkDeviceQueueCreateInfo: {},
  VkDeviceQueueInfo2: {},
  VkBufferCreateInfo: {},
  VkBufferMemoryRequirementsInfo2: {},
  VkMemoryRequirements2: {},
  VkMemoryAllocateInfo: {},
  VkBindBufferMemoryInfo: {},
  VkMemoryGetRemoteAddressInfoNV: {},
};

/** Feature structures: their VkBool32 members are counted (vkCreateDevice checks each). */
const FEATURES_ROOT = 'VkPhysicalDeviceFeatures2';

const WIDTH = 100;

function fail(message) {
  throw new Error(message);
}

function decodeEntities(text) {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name) => {
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[name];
  });
}

function attributes(text) {
  const out = {};
  for (const match of text.matchAll(/([A-Za-z_][\w-]*)\s*=\s*"([^"]*)"/g)) {
    out[match[1]] = decodeEntities(match[2]);
  }
  return out;
}

const forVulkan = (list) => list === undefined || list.split(',').includes('vulkan');

/** One <member>: its type, its name, and whether it is an array or a pointer. */
function readMember(inner, attrs) {
  const text = inner.replace(/<comment>[\s\S]*?<\/comment>/g, '');
  const type = /<type>(\w+)<\/type>/.exec(text)?.[1];
  const name = /<name>(\w+)<\/name>/.exec(text)?.[1];
  if (!type || !name) fail(`vk.xml: a member without a type or a name: ${inner.trim()}`);
  const bare = text.replace(/<[^>]+>/g, '');
  return {
    type,
    name,
    array: /<\/name>\s*\[/.test(text),
    pointer: bare.includes('*'),
    values: attrs.values,
  };
}

/**
 * What vk.xml says about structures: each one's members and the structures it extends,
 * and which core versions and extensions bring each type.
 */
function readRegistry(xml) {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  const structs = new Map();
  const providers = new Map();
  const promoted = new Map(); // extension -> the core version it became part of
  const provide = (type, provider) => {
    if (!providers.has(type)) providers.set(type, []);
    providers.get(type).push(provider);
  };
  let struct = null;
  let depth = 0;
  let member = null;
  let block = null; // the <feature> or <extension> being read
  let require = null; // its <require> or <remove>
  for (const match of text.matchAll(/<(\/?)([A-Za-z_][\w-]*)([^>]*?)(\/?)>/g)) {
    const [whole, closing, tag, rest, selfClosing] = match;
    const attrs = closing ? {} : attributes(rest);
    if (struct !== null) {
      if (tag === 'type') {
        if (closing) depth--;
        else if (!selfClosing) depth++;
        if (depth === 0) {
          structs.set(struct.name, struct);
          struct = null;
        }
      } else if (tag === 'member' && depth === 1) {
        if (!closing) member = { start: match.index + whole.length, attrs };
        else if (member) {
          struct.members.push(readMember(text.slice(member.start, match.index), member.attrs));
          member = null;
        }
      }
      continue;
    }
    if (tag === 'type' && !closing && block === null) {
      if (attrs.category !== 'struct' || attrs.alias !== undefined || !forVulkan(attrs.api)) {
        continue;
      }
      if (selfClosing) continue;
      struct = {
        name: attrs.name,
        extends: attrs.structextends ? attrs.structextends.split(',') : [],
        allowDuplicate: attrs.allowduplicate === 'true',
        members: [],
      };
      depth = 1;
    } else if (tag === 'feature' || tag === 'extension') {
      if (closing || selfClosing) {
        block = null;
        continue;
      }
      block =
        tag === 'feature'
          ? { core: attrs.number, name: attrs.name, skip: !forVulkan(attrs.api) }
          : { extension: attrs.name, name: attrs.name, skip: !forVulkan(attrs.supported) };
      if (tag === 'extension' && attrs.promotedto) promoted.set(attrs.name, attrs.promotedto);
    } else if ((tag === 'require' || tag === 'remove') && block !== null) {
      require = closing || selfClosing ? null : { tag, attrs };
    } else if (tag === 'type' && !closing && block !== null && require !== null) {
      if (block.skip || !forVulkan(require.attrs.api)) continue;
      if (require.tag === 'remove') fail(`vk.xml: ${block.name} removes ${attrs.name}`);
      const condition = require.attrs.extension ?? require.attrs.feature ?? require.attrs.depends;
      provide(attrs.name, { ...block, condition });
    }
  }
  return { structs, providers, promoted };
}

/** The registry's version, as VK_HEADER_VERSION_COMPLETE spells it: 1.3.239. */
function readVersion(xml) {
  const patch = /#define\s+<name>VK_HEADER_VERSION<\/name>\s+(\d+)/.exec(xml);
  const complete =
    /<name>VK_HEADER_VERSION_COMPLETE<\/name>\s*<type>VK_MAKE_API_VERSION<\/type>\(\s*\d+\s*,\s*(\d+)\s*,\s*(\d+)\s*,/.exec(
      xml,
    );
  if (!patch || !complete) fail('vk.xml: no VK_HEADER_VERSION found');
  return `${complete[1]}.${complete[2]}.${patch[1]}`;
}

/**
 * Every VUID in validusage.json with the conditions it is stated under (what must be
 * there for the rule to exist), and the API version the file was made for.
 */
function readValidUsage(json) {
  const vuids = new Map();
  for (const entries of Object.values(
    json.validation ?? fail('validusage.json: no "validation"'),
  )) {
    for (const [condition, list] of Object.entries(entries)) {
      for (const entry of list)
        vuids.set(entry.vuid, [...(vuids.get(entry.vuid) ?? []), condition]);
    }
  }
  const version = json['version info']?.['api version'];
  if (!version) fail('validusage.json: no "api version"');
  return { vuids, version };
}

/**
 * What the driver implements, by the names validusage.json's conditions use: its core
 * versions, the extensions promoted into them, and the extensions it handles.
 */
function driverApi(registry) {
  const versions = [
    'VK_VERSION_1_0',
    ...CORE_VERSIONS.map((v) => `VK_VERSION_${v.replace('.', '_')}`),
  ];
  return new Set([
    ...versions,
    ...[...registry.promoted].filter(([, into]) => versions.includes(into)).map(([name]) => name),
    ...Object.keys(DEVICE_EXTENSIONS),
    ...LOADER_AND_LAYER_EXTENSIONS,
    ...INSTANCE_EXTENSIONS,
  ]);
}

/** `a+b` split at the top level only (not inside parentheses). */
function splitTopLevel(text) {
  const parts = [''];
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === '+' && depth === 0) parts.push('');
    else parts[parts.length - 1] += ch;
  }
  return parts;
}

/**
 * Whether a condition of validusage.json holds for the driver: 'core', or terms that must
 * all hold (joined by '+'), each a parenthesised list of alternatives (',': any one; '+'
 * inside one: all of them), maybe negated with '!'.
 */
function holdsFor(api, condition) {
  if (condition === 'core') return true;
  return splitTopLevel(condition).every((term) => {
    const negated = term.startsWith('!');
    const body = negated ? term.slice(1) : term;
    const inner = /^\(.*\)$/.test(body) ? body.slice(1, -1) : body;
    const value = inner.split(',').some((alternative) =>
      alternative.split('+').every((name) => {
        if (!/^VK_\w+$/.test(name)) fail(`validusage.json: cannot read the condition ${condition}`);
        return api.has(name);
      }),
    );
    return negated ? !value : value;
  });
}

/**
 * Fails unless validusage.json has `vuid` under a condition the driver meets: a rule that
 * exists only with an extension the driver lacks (an Android variant, say) is not the rule
 * the driver's check is about.
 */
function checkVuid(validUsage, vuid, usedFor) {
  const conditions = validUsage.vuids.get(vuid);
  if (!conditions) fail(`validusage.json ${validUsage.version} has no ${vuid} (${usedFor})`);
  if (!conditions.some((condition) => holdsFor(validUsage.api, condition))) {
    fail(`${vuid} (${usedFor}) holds only with ${conditions.join(' or ')}, not in this driver`);
  }
}

function sTypeOf(struct) {
  const sType = struct.members.find((m) => m.name === 'sType')?.values;
  if (!sType?.startsWith('VK_STRUCTURE_TYPE_')) fail(`vk.xml: ${struct.name} has no sType value`);
  return sType;
}

/** The VkBool32 members of a feature structure after sType and pNext, as paths. */
function boolMembers(structs, struct, prefix = '') {
  const members = prefix ? struct.members : struct.members.slice(2);
  return members.flatMap((m) => {
    if (m.type === 'VkBool32' && !m.array && !m.pointer) return [`${prefix}${m.name}`];
    const nested = structs.get(m.type);
    if (nested && !m.array && !m.pointer)
      return boolMembers(structs, nested, `${prefix}${m.name}.`);
    return fail(`${struct.name}.${m.name} is a ${m.type}, not a VkBool32`);
  });
}

/** How the driver may be handed `child`: by a core version, or by one extension flag. */
function providerOf(registry, child, parent, options) {
  const found = { version: null, extension: null, extensionName: null };
  for (const p of registry.providers.get(child) ?? []) {
    let flag = null;
    if (p.core !== undefined && CORE_VERSIONS.includes(p.core)) {
      if (p.condition) fail(`vk.xml: ${child} in ${p.name} depends on ${p.condition}`);
      if (found.version === null || p.core < found.version) found.version = p.core;
      continue;
    }
    if (p.extension in DEVICE_EXTENSIONS) flag = DEVICE_EXTENSIONS[p.extension];
    else if (options.fromLoaderAndLayers && LOADER_AND_LAYER_EXTENSIONS.includes(p.extension)) {
      flag = 'ICD_EXT_ALWAYS';
    }
    if (flag === null) continue;
    if (p.condition) fail(`vk.xml: ${child} in ${p.name} depends on ${p.condition}`);
    if (found.extension !== null && found.extension !== flag) {
      fail(`${child} (extending ${parent}) comes with ${found.extensionName} and ${p.extension}`);
    }
    found.extension = flag;
    found.extensionName = p.extension;
  }
  return found.version === null && found.extension === null ? null : found;
}

function coreMacro(version) {
  return version === null ? '0' : `VK_API_VERSION_${version.replace('.', '_')}`;
}

/** What may extend `parent`, in a stable order: by core version, then extension, then name. */
function childRules(registry, parent, options) {
  const rules = [];
  for (const struct of registry.structs.values()) {
    if (!struct.extends.includes(parent)) continue;
    const provider = providerOf(registry, struct.name, parent, options);
    if (provider === null) continue;
    const isFeatures = struct.name === FEATURES_ROOT || struct.extends.includes(FEATURES_ROOT);
    const bools = isFeatures ? boolMembers(registry.structs, struct) : [];
    rules.push({
      name: struct.name,
      sType: sTypeOf(struct),
      size: `sizeof(${struct.name})`,
      version: provider.version,
      extension: provider.extension,
      extensionName: provider.extensionName,
      bools,
      allowDuplicate: struct.allowDuplicate,
    });
  }
  if (options.loader) {
    const [name, sType] = options.loader;
    // Never cleared (an input), so only its header is known here.
    rules.push({
      name,
      sType,
      size: 'sizeof(VkBaseOutStructure)',
      version: null,
      extension: 'ICD_EXT_ALWAYS',
      extensionName: null,
      bools: [],
      allowDuplicate: true,
    });
  }
  // Core versions first, then the device extensions, then what the loader and layers add.
  const providerOrder = [
    ...CORE_VERSIONS,
    ...Object.keys(DEVICE_EXTENSIONS),
    ...LOADER_AND_LAYER_EXTENSIONS,
    null,
  ];
  const order = (r) => providerOrder.indexOf(r.version ?? r.extensionName);
  return rules.sort((a, b) => order(a) - order(b) || (a.name < b.name ? -1 : 1));
}

/** The VUIDs of a parent's sType and chain rules, each one checked against validusage.json. */
function parentVuids(parent, options, validUsage, hasChildren) {
  const own = (rule) => `VUID-${parent}-${rule}`;
  const sType = own('sType-sType');
  let pNext = own('pNext-pNext');
  let unique = own('sType-unique');
  if (options.chainVuid) {
    // Once the registry gives the structure a rule of its own, that one is the name.
    if (validUsage.vuids.has(pNext)) fail(`${parent} has ${pNext} now: drop its chainVuid`);
    pNext = options.chainVuid;
    unique = validUsage.vuids.has(unique) ? unique : options.chainVuid;
  }
  // Without structures that may extend it, nothing can appear twice.
  if (!hasChildren && !validUsage.vuids.has(unique)) unique = null;
  for (const vuid of [sType, pNext, unique]) {
    if (vuid !== null) checkVuid(validUsage, vuid, `the chain rules of ${parent}`);
  }
  return { sType, pNext, unique };
}

/** Every VUID_<name> the driver's C sources use (outside the generated folder). */
function usedVuidNames(sourceDir) {
  const names = new Set();
  for (const entry of readdirSync(sourceDir, { withFileTypes: true })) {
    if (!entry.isFile() || !/\.[ch]$/.test(entry.name)) continue;
    const text = readFileSync(join(sourceDir, entry.name), 'utf8');
    for (const match of text.matchAll(/\bVUID_\w+/g)) names.add(match[0]);
  }
  return [...names].sort();
}

/** VUID_vkCreateDevice_pCreateInfo_parameter -> VUID-vkCreateDevice-pCreateInfo-parameter. */
function resolveVuids(names, validUsage) {
  const byName = new Map();
  for (const vuid of validUsage.vuids.keys()) {
    const name = vuid.replace(/-/g, '_');
    byName.set(name, [...(byName.get(name) ?? []), vuid]);
  }
  return names.map((name) => {
    const found = byName.get(name) ?? [];
    if (found.length === 0) {
      fail(`${name} is no VUID of validusage.json ${validUsage.version}`);
    }
    if (found.length > 1) fail(`${name} could be any of ${found.join(', ')}`);
    checkVuid(validUsage, found[0], `named ${name}`);
    return [name, found[0]];
  });
}

const cString = (text) => (text === null ? 'NULL' : `"${text}"`);

/** `{a, b, c}` split over lines of at most WIDTH columns, continued under `indent`. */
function pack(open, items, close, indent) {
  const lines = [];
  let line = open;
  items.forEach((item, i) => {
    const piece = `${item}${i === items.length - 1 ? close : ','}`;
    if (line.trim() !== open.trim() && line.length + 1 + piece.length > WIDTH) {
      lines.push(line);
      line = `${indent}${piece}`;
    } else {
      line = line === open ? `${line}${piece}` : `${line} ${piece}`;
    }
  });
  lines.push(line);
  return lines;
}

function ruleLines(rule) {
  const fields = [`.name = "${rule.name}"`, `.stype = ${rule.sType}`, `.size = ${rule.size}`];
  if (rule.version !== null) fields.push(`.version = ${coreMacro(rule.version)}`);
  if (rule.extension !== null) fields.push(`.extension = ${rule.extension}`);
  if (rule.extensionName !== null) fields.push(`.extension_name = ${cString(rule.extensionName)}`);
  if (rule.bools.length) fields.push(`.bool_count = ${rule.bools.length}`);
  if (rule.allowDuplicate) fields.push('.allow_duplicate = true');
  return pack('    {', fields, '},', '     ');
}

function banner(registryVersion, validUsageVersion, comment) {
  return [
    `/* generated by scripts/gen-chain-rules.mjs from vk.xml ${registryVersion} and validusage.json`,
    ` * ${validUsageVersion}; do not edit (npm run gen:vulkan writes it again, and`,
    ' * test/driver-generated.test.ts checks it is current). */',
    ...comment,
  ];
}

function renderRules(parents, versions) {
  const lines = [
    ...banner(versions.registry, versions.validUsage, [
      '/*',
      ' * For each structure the test driver is handed: what may extend it (the structures whose',
      ' * structextends names it, from Vulkan 1.1-1.3 or an extension the driver handles), its',
      ' * sType, and the VUIDs of its sType and pNext rules.',
      ' */',
    ]),
    '#include "../icd.h"',
    '',
    '#include <stddef.h>',
    '',
    '/* The VkBool32 members of each feature structure, counted from vk.xml; the compiler checks',
    ' * the count against the headers. */',
    '#define BOOLS(type, last, count)                                                          \\',
    '    _Static_assert(offsetof(type, last) + sizeof(VkBool32) - sizeof(VkBaseOutStructure) ==  \\',
    '                       (count) * sizeof(VkBool32),                                         \\',
    '                   #type " has " #count " VkBool32 members after pNext")',
    '',
  ];
  const counted = new Map();
  for (const parent of parents) {
    for (const rule of parent.rules) {
      if (rule.bools.length) counted.set(rule.name, rule.bools);
    }
  }
  for (const [name, bools] of [...counted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const line = `BOOLS(${name}, ${bools.at(-1)}, ${bools.length});`;
    lines.push(
      ...(line.length <= WIDTH
        ? [line]
        : pack('BOOLS(', [name, bools.at(-1), `${bools.length}`], ');', '      ')),
    );
  }
  for (const parent of parents) {
    const table = `${parent.name}_extensions`;
    lines.push('');
    if (parent.rules.length) {
      lines.push(`static const icd_chain_rule ${table}[] = {`);
      for (const rule of parent.rules) lines.push(...ruleLines(rule));
      lines.push('};');
    }
    lines.push(`const icd_chain_parent icd_parent_${parent.name} = {`);
    lines.push(`    .name = "${parent.name}",`);
    lines.push(`    .stype = ${parent.sType},`);
    lines.push(`    .stype_vuid = ${cString(parent.vuids.sType)},`);
    lines.push(`    .pnext_vuid = ${cString(parent.vuids.pNext)},`);
    lines.push(`    .unique_vuid = ${cString(parent.vuids.unique)},`);
    if (parent.rules.length) {
      lines.push(`    .rules = ${table},`);
      lines.push(`    .count = ${parent.rules.length},`);
    }
    lines.push('};');
  }
  return `${lines.join('\n')}\n`;
}

function renderDeclarations(parents, versions) {
  const lines = [
    ...banner(versions.registry, versions.validUsage, [
      '/* The structures whose chains the test driver checks (chain_rules.c has them). */',
    ]),
    '#ifndef RDMA_TEST_CHAIN_RULES_H',
    '#define RDMA_TEST_CHAIN_RULES_H',
    '',
    ...parents.map((p) => `extern const struct icd_chain_parent icd_parent_${p.name};`),
    '',
    '#endif',
  ];
  return `${lines.join('\n')}\n`;
}

function renderVuids(vuids, versions) {
  const lines = [
    ...banner(versions.registry, versions.validUsage, [
      '/* The VUIDs the test driver names its checks by: every VUID_ name its sources use, as',
      ' * validusage.json spells it. */',
    ]),
    '#ifndef RDMA_TEST_VUIDS_H',
    '#define RDMA_TEST_VUIDS_H',
    '',
  ];
  for (const [name, vuid] of vuids) {
    const line = `#define ${name} "${vuid}"`;
    lines.push(...(line.length <= WIDTH ? [line] : [`#define ${name} \\`, `    "${vuid}"`]));
  }
  lines.push('', '#endif');
  return `${lines.join('\n')}\n`;
}

/** VK_MAKE_API_VERSION(0, major, minor, 0) of '1.1'. */
function apiVersionNumber(version) {
  const [major, minor] = version.split('.').map(Number);
  return `0x${(((major << 22) | (minor << 12)) >>> 0).toString(16)}`;
}

function tsBanner(versions, comment) {
  return [
    `// generated by scripts/gen-chain-rules.mjs from vk.xml ${versions.registry} and validusage.json`,
    `// ${versions.validUsage}; do not edit (npm run gen:vulkan writes it again, and`,
    '// test/driver-generated.test.ts checks it is current).',
    '',
    ...comment,
  ];
}

/** One rule as chain_rules.c has it, without what only C needs (its size); defaults left out. */
function tsRule(rule) {
  const fields = [`name: ${literal(rule.name)}`, `sType: ${literal(rule.sType)}`];
  if (rule.version !== null) fields.push(`version: ${apiVersionNumber(rule.version)}`);
  if (rule.extensionName !== null) fields.push(`extension: ${literal(rule.extensionName)}`);
  if (rule.extension === 'ICD_EXT_ALWAYS') fields.push('always: true');
  if (rule.bools.length) fields.push(`boolCount: ${rule.bools.length}`);
  if (rule.allowDuplicate) fields.push('allowDuplicate: true');
  return `{ ${fields.join(', ')} },`;
}

function renderTsRules(parents, versions) {
  const lines = [
    ...tsBanner(versions, [
      '/**',
      " * The test driver's chain tables (test/driver/generated/chain_rules.c), for the in-memory",
      ' * binding: for each structure the driver is handed, what may extend it (the structures whose',
      ' * structextends names it, from Vulkan 1.1-1.3 or an extension the driver handles), its',
      ' * sType, and the VUIDs of its sType and pNext rules.',
      ' */',
      '',
    ]),
    '/** A structure that may extend another, or that the loader puts in its chain. */',
    'export interface ChainRule {',
    '  readonly name: string;',
    '  readonly sType: string;',
    '  /** The core version that brings it (VK_MAKE_API_VERSION); absent: none does. */',
    '  readonly version?: number;',
    "  /** The extension that brings it (the device's, or one the loader or layers implement). */",
    '  readonly extension?: string;',
    '  /** Valid whatever the device has: the loader or a layer puts it there. */',
    '  readonly always?: true;',
    '  /** Feature structures: their VkBool32 members after pNext. */',
    '  readonly boolCount?: number;',
    '  /** It may appear more than once in one chain. */',
    '  readonly allowDuplicate?: true;',
    '}',
    '',
    '/** A structure the driver is handed: its sType, what may extend it, the VUIDs of both. */',
    'export interface ChainParent {',
    '  readonly sType: string;',
    '  readonly sTypeVuid: string;',
    '  readonly pNextVuid: string;',
    '  /** null when nothing may extend it. */',
    '  readonly uniqueVuid: string | null;',
    '  readonly rules: readonly ChainRule[];',
    '}',
    '',
    'export const CHAIN_PARENTS = {',
  ];
  for (const parent of parents) {
    lines.push(`  ${parent.name}: {`);
    lines.push(`    sType: ${literal(parent.sType)},`);
    lines.push(`    sTypeVuid: ${literal(parent.vuids.sType)},`);
    lines.push(`    pNextVuid: ${literal(parent.vuids.pNext)},`);
    lines.push(`    uniqueVuid: ${literal(parent.vuids.unique)},`);
    lines.push('    rules: [');
    for (const rule of parent.rules) lines.push(`      ${tsRule(rule)}`);
    lines.push('    ],');
    lines.push('  },');
  }
  lines.push('} as const satisfies Record<string, ChainParent>;');
  return `${lines.join('\n')}\n`;
}

function renderTsVuids(vuids, versions) {
  const lines = tsBanner(versions, [
    '// The VUIDs the test driver names its checks by (every VUID_ name its sources use, as',
    '// validusage.json spells it), under the names test/driver/generated/vuids.h gives them.',
    '',
  ]);
  for (const [name, vuid] of vuids) lines.push(`export const ${name} = ${literal(vuid)};`);
  return `${lines.join('\n')}\n`;
}

function parseArgs(argv) {
  const options = {
    registry: process.env.VK_REGISTRY || DEFAULT_REGISTRY,
    validusage: null,
    out: REPO,
    sources: join(REPO, DRIVER_SOURCES),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (['--registry', '--validusage', '--out', '--sources'].includes(arg) && value !== undefined) {
      options[arg.slice(2)] = value;
      i++;
    } else {
      fail(
        `usage: gen-chain-rules.mjs [--registry vk.xml] [--validusage PATH] [--out DIR] [--sources DIR] (got ${arg})`,
      );
    }
  }
  options.validusage ??= join(dirname(options.registry), 'validusage.json');
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const xml = readFileSync(options.registry, 'utf8');
  const registry = readRegistry(xml);
  const validUsage = {
    ...readValidUsage(JSON.parse(readFileSync(options.validusage, 'utf8'))),
    api: driverApi(registry),
  };
  const versions = { registry: readVersion(xml), validUsage: validUsage.version };
  if (versions.registry !== versions.validUsage) {
    fail(`vk.xml is ${versions.registry} but validusage.json is ${versions.validUsage}`);
  }
  if (!xml.includes('name="VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO"')) {
    fail('vk.xml has no VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO');
  }

  const parents = Object.entries(PARENTS).map(([name, parentOptions]) => {
    const struct = registry.structs.get(name) ?? fail(`vk.xml has no structure ${name}`);
    const rules = childRules(registry, name, parentOptions);
    return {
      name,
      sType: sTypeOf(struct),
      rules,
      vuids: parentVuids(name, parentOptions, validUsage, rules.length > 0),
    };
  });
  const vuids = resolveVuids(usedVuidNames(options.sources), validUsage);

  const outputs = [
    [OUTPUTS.rules, renderRules(parents, versions)],
    [OUTPUTS.declarations, renderDeclarations(parents, versions)],
    [OUTPUTS.vuids, renderVuids(vuids, versions)],
    [OUTPUTS.tsRules, renderTsRules(parents, versions)],
    [OUTPUTS.tsVuids, renderTsVuids(vuids, versions)],
  ];
  for (const [path, text] of outputs) {
    const target = join(options.out, path);
    mkdirSync(dirname(target), { recursive: true });
    // TypeScript as prettier lays it out, so the checked-in copy passes the format check.
    writeFileSync(target, path.endsWith('.ts') ? await formatTypeScript(REPO, path, text) : text);
    console.log(`gen-chain-rules: wrote ${path} (vk.xml ${versions.registry})`);
  }
}

try {
  await main();
} catch (error) {
  console.error(`gen-chain-rules: ${error.message}`);
  process.exit(1);
}
