// Command prototypes: each command's return type and parameters as the registry declares
// them (name, registry type, C layout type, pointer depth, const, and the len and optional
// attributes). Plain data: the binding (src/vulkan/ffi-types.ts) turns it into koffi
// prototypes by one mapping rule, src/vulkan/prototype-signatures.ts.
import { readCommandDefinitions } from './commands.mjs';
import { readDeclaration } from './declarations.mjs';
import { generatedHeader, literal } from './ts-literal.mjs';

function readParam(command, { attrs, inner }, context) {
  const { length, ...declaration } = readDeclaration(command, inner, context);
  // An array parameter decays to a pointer in C; none of the binding's commands has one,
  // so it is refused rather than given a meaning nothing tests.
  if (length !== undefined) throw new Error(`${command}.${declaration.name}: an array parameter`);
  return {
    ...declaration,
    len: attrs.len,
    // One flag per level of indirection: optional="false,true" on a count pointer says
    // the pointer must be valid but the count it points to may be zero.
    optional: attrs.optional?.split(',').map((flag) => flag === 'true'),
  };
}

/** { returns, params } for each named command, in the order given. */
export function readPrototypes(names, context) {
  const definitions = readCommandDefinitions(context.xml);
  const out = new Map();
  for (const name of names) {
    const definition = definitions.get(name);
    if (!definition) throw new Error(`vk.xml has no command ${name}`);
    if (definition.alias !== undefined) {
      throw new Error(`${name} is an alias of ${definition.alias}: list the command by that name`);
    }
    const { name: declared, length, ...returns } = readDeclaration(name, definition.proto, context);
    if (declared !== name || length !== undefined)
      throw new Error(`${name}: cannot read its <proto>`);
    out.set(name, {
      returns,
      params: definition.params.map((param) => readParam(name, param, context)),
    });
  }
  return out;
}

export function renderPrototypes(prototypes, version) {
  const lines = [
    ...generatedHeader(version),
    "import type { VkPrototypeDescriptor } from '../registry-types.js';",
    '',
    '/**',
    ' * The C prototypes of vkGetInstanceProcAddr and of every command the binding calls: the',
    ' * return type and each parameter, in declaration order.',
    ' */',
    'export const VkPrototypes = {',
  ];
  for (const [name, { returns, params }] of prototypes) {
    lines.push(`  ${name}: { returns: ${literal(returns)}, params: [`);
    for (const param of params) lines.push(`    ${literal(param)},`);
    lines.push('  ]},');
  }
  lines.push('} as const satisfies Record<string, VkPrototypeDescriptor>;', '');
  return lines.join('\n');
}
