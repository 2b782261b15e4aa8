// Structure descriptors: each member's name, registry type, C layout type, pointer depth
// and array length, with the structure's sType and what provides it. The binding
// (src/vulkan/ffi-types.ts) builds its koffi structs from them.
import { providersOf } from './requirements.mjs';
import { readDeclaration } from './declarations.mjs';
import { aliasesOf } from './types.mjs';
import { attributes, forVulkan } from './xml.mjs';
import { generatedHeader, literal } from './ts-literal.mjs';

function readMember(struct, attrs, inner, context) {
  return { member: readDeclaration(struct, inner, context), values: attrs.values };
}

function readStruct(name, context) {
  const type = context.types.get(name);
  if (!type) throw new Error(`vk.xml has no structure ${name}`);
  if (type.attrs.alias !== undefined) {
    throw new Error(`${name} is an alias of ${type.attrs.alias}: list the structure by that name`);
  }
  if (type.attrs.category !== 'struct') throw new Error(`${name} is not a structure`);
  const members = [];
  for (const match of type.body.matchAll(/<member\b([^>]*)>([\s\S]*?)<\/member>/g)) {
    const attrs = attributes(match[1]);
    if (forVulkan(attrs.api)) members.push(readMember(name, attrs, match[2], context));
  }
  if (members.length === 0) throw new Error(`${name} has no members`);
  const sTypeName = members.find(({ member }) => member.name === 'sType')?.values;
  let sType = null;
  if (sTypeName !== undefined) {
    sType = context.sTypes.get(sTypeName);
    if (sType === undefined) throw new Error(`${name}: ${sTypeName} is not defined`);
  }
  // A structure's aliases are the same C type under another name (VkXKHR): the
  // extensions that provide it under an alias provide it too.
  const names = [name, ...(context.aliases.get(name) ?? [])];
  const providers = names.flatMap((n) => context.requirements.types.get(n) ?? []);
  if (providers.length === 0) throw new Error(`nothing in vk.xml provides ${name}`);
  return {
    sType,
    ...providersOf(context.requirements, [...new Set(providers)]),
    members: members.map(({ member }) => member),
  };
}

/**
 * The descriptors of the named structures, each after the structures it holds or points
 * to (koffi must know a type before another names it). A structure held by value must be
 * listed too; one only pointed to may be left out (the binding then sees a void pointer).
 */
export function readStructs(names, context) {
  context = { ...context, aliases: aliasesOf(context.types) };
  const wanted = new Set(names);
  const read = new Map();
  const ordered = new Map();
  const visit = (name, path) => {
    if (ordered.has(name)) return;
    if (path.includes(name)) throw new Error(`structures contain each other: ${path.join(' > ')}`);
    if (!read.has(name)) read.set(name, readStruct(name, context));
    const struct = read.get(name);
    for (const member of struct.members) {
      if (member.c !== 'struct') continue;
      if (wanted.has(member.type)) visit(member.type, [...path, name]);
      else if (!member.pointers) {
        throw new Error(`${name}.${member.name} holds ${member.type}: list it as well`);
      }
    }
    ordered.set(name, struct);
  };
  for (const name of names) visit(name, []);
  return ordered;
}

export function renderStructs(structs, version) {
  const lines = [
    ...generatedHeader(version),
    "import type { VkStructDescriptor } from '../registry-types.js';",
    '',
    '/** The structures the binding declares, each after those it holds or points to. */',
    'export const VkStructs = {',
  ];
  for (const [name, struct] of structs) {
    const { members, ...rest } = struct;
    const head = literal(rest).slice(1, -2); // the object's fields without its braces
    lines.push(`  ${name}: {${head}, members: [`);
    for (const member of members) lines.push(`    ${literal(member)},`);
    lines.push('  ]},');
  }
  lines.push('} as const satisfies Record<string, VkStructDescriptor>;', '');
  return lines.join('\n');
}
