// The registry's <types>: what each type name is, followed through typedefs and aliases
// down to what C lays out (a fixed-width scalar, a struct, a function pointer, a pointer).
import { attributes, forVulkan, section, withoutComments } from './xml.mjs';

/** C types the registry uses without defining them (vk_platform.h and the C library). */
const C_SCALARS = new Map([
  ['char', 'char'],
  ['float', 'float'],
  ['double', 'double'],
  ['void', 'void'],
  ['int', 'int32_t'],
  ['size_t', 'size_t'],
  ...['int8_t', 'uint8_t', 'int16_t', 'uint16_t', 'int32_t', 'uint32_t', 'int64_t', 'uint64_t'].map(
    (name) => [name, name],
  ),
]);

/**
 * Every <type> of the <types> section meant for Vulkan, as Map<name, { attrs, body }>:
 * the element's attributes and the text between its tags ('' when self-closing).
 */
export function readTypes(xml) {
  const text = section(withoutComments(xml), 'types');
  const types = new Map();
  const add = (attrs, body) => {
    if (!forVulkan(attrs.api)) return;
    const name = attrs.name ?? /<name>([^<]+)<\/name>/.exec(body)?.[1];
    if (name !== undefined) types.set(name, { attrs, body });
  };
  let open = null;
  let depth = 0;
  for (const match of text.matchAll(/<(\/?)type\b([^>]*?)(\/?)>/g)) {
    const [tag, closing, rest, selfClosing] = match;
    if (open === null) {
      if (closing) throw new Error(`vk.xml: a </type> with no <type> at ${match.index}`);
      const attrs = attributes(rest);
      if (selfClosing) add(attrs, '');
      else {
        open = { attrs, start: match.index + tag.length };
        depth = 1;
      }
    } else if (!selfClosing) {
      // Inside a definition, <type>name</type> references nest one level.
      depth += closing ? -1 : 1;
      if (depth === 0) {
        add(open.attrs, text.slice(open.start, match.index));
        open = null;
      }
    }
  }
  return types;
}

/** Enumerated types 64 bits wide (<enums bitwidth="64">); all others are int-sized. */
export function readWideEnums(xml) {
  const wide = new Set();
  for (const match of withoutComments(xml).matchAll(/<enums\b([^>]*)>/g)) {
    const attrs = attributes(match[1]);
    if (attrs.bitwidth === '64') wide.add(attrs.name);
  }
  return wide;
}

/**
 * What a registry type is in C, with typedefs and aliases followed:
 * - a scalar: 'uint32_t', 'uint64_t', 'int32_t', 'float', 'char', 'void', ...;
 *   an enum is 'int32_t' (C enums are int-sized; the registry caps them at 0x7FFFFFFF), or
 *   'uint64_t' for a 64-bit one; a non-dispatchable handle is 'uint64_t';
 * - 'struct' or 'union' (laid out by its own members), 'funcpointer' (a PFN_ typedef);
 * - 'dispatchable' (VkInstance, VkDevice, ...: a pointer to an opaque object);
 * - 'pointer' (a typedef of void *: VkRemoteAddressNV, an address the driver hands out).
 */
export function resolveType(types, wideEnums, name) {
  for (let hops = 0, current = name; hops < 16; hops++) {
    if (C_SCALARS.has(current)) return C_SCALARS.get(current);
    const type = types.get(current);
    if (!type) throw new Error(`vk.xml does not define the type ${current} (from ${name})`);
    if (type.attrs.alias !== undefined) {
      current = type.attrs.alias;
      continue;
    }
    const category = type.attrs.category;
    if (
      category === 'basetype' &&
      /^\s*typedef\s+<type>void<\/type>\s*\*\s*<name>/.test(type.body)
    ) {
      return 'pointer';
    }
    if (category === 'basetype' || category === 'bitmask') {
      const typedef = /^\s*typedef\s+<type>([^<]+)<\/type>\s+<name>/.exec(type.body);
      if (!typedef) throw new Error(`${current} is not a plain typedef: cannot lay it out`);
      current = typedef[1];
      continue;
    }
    if (category === 'enum') return wideEnums.has(current) ? 'uint64_t' : 'int32_t';
    if (category === 'handle') {
      if (type.body.includes('VK_DEFINE_NON_DISPATCHABLE_HANDLE')) return 'uint64_t';
      if (type.body.includes('VK_DEFINE_HANDLE')) return 'dispatchable';
    }
    if (category === 'struct' || category === 'union' || category === 'funcpointer') {
      return category;
    }
    throw new Error(`${current} (category ${category}) cannot be laid out`);
  }
  throw new Error(`${name}: too many typedefs`);
}

/** Map<name, aliases[]>: the other names each type goes by (VkX -> [VkXKHR]). */
export function aliasesOf(types) {
  const out = new Map();
  for (const [name, type] of types) {
    const target = type.attrs.alias;
    if (target === undefined) continue;
    if (!out.has(target)) out.set(target, []);
    out.get(target).push(name);
  }
  return out;
}
