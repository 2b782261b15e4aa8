// The entry-point table: for each command the binding calls, how it is dispatched (from
// its first parameter) and which core version or extension provides it.
import { providersOf } from './requirements.mjs';
import { resolveType } from './types.mjs';
import { attributes, forVulkan, section, withoutComments } from './xml.mjs';
import { generatedHeader, literal } from './ts-literal.mjs';

/** Dispatchable handles whose commands are instance-level; every other one is device-level. */
const INSTANCE_HANDLES = new Set(['VkInstance', 'VkPhysicalDevice']);

/**
 * Map<name, { alias } | { firstParamType, proto, params }> of every Vulkan command
 * definition: proto is the text inside <proto>, params each <param>'s { attrs, inner }
 * (those meant for Vulkan only), in declaration order.
 */
export function readCommandDefinitions(xml) {
  const text = section(withoutComments(xml), 'commands');
  const out = new Map();
  for (const match of text.matchAll(/<command\b([^>]*?)(\/?)>([\s\S]*?)(?=<command\b|$)/g)) {
    const [, rest, selfClosing, following] = match;
    const attrs = attributes(rest);
    if (!forVulkan(attrs.api)) continue;
    if (attrs.alias !== undefined) {
      out.set(attrs.name, { alias: attrs.alias });
      continue;
    }
    if (selfClosing) throw new Error(`vk.xml: the command ${attrs.name} has no definition`);
    const body = following.slice(0, following.indexOf('</command>'));
    const name = /<proto>[\s\S]*?<name>([^<]+)<\/name>/.exec(body)?.[1];
    if (name === undefined) throw new Error(`vk.xml: a command with no name: ${body.slice(0, 80)}`);
    const proto = /<proto>([\s\S]*?)<\/proto>/.exec(body)[1];
    // <implicitexternsyncparams> holds prose in <param> tags: not parameters.
    const declared = body.replace(
      /<implicitexternsyncparams>[\s\S]*?<\/implicitexternsyncparams>/g,
      '',
    );
    const params = [...declared.matchAll(/<param\b([^>]*)>([\s\S]*?)<\/param>/g)]
      .map((param) => ({ attrs: attributes(param[1]), inner: param[2] }))
      .filter((param) => forVulkan(param.attrs.api));
    const first = params[0] ? /<type>([^<]+)<\/type>/.exec(params[0].inner)?.[1] : undefined;
    out.set(name, { firstParamType: first ?? null, proto, params });
  }
  return out;
}

/**
 * { level, handle, version, extensions } for each named command, in the order given:
 * level is 'global' (no dispatchable first parameter), 'instance' (VkInstance,
 * VkPhysicalDevice) or 'device' (VkDevice, VkQueue, VkCommandBuffer); handle is that first
 * parameter's type, or null. Only the providers of the name itself count: an extension
 * that provides a command under an alias (vkXKHR) does not make the core name callable.
 */
export function readCommands(names, context) {
  const definitions = readCommandDefinitions(context.xml);
  const out = new Map();
  for (const name of names) {
    const definition = definitions.get(name);
    if (!definition) throw new Error(`vk.xml has no command ${name}`);
    if (definition.alias !== undefined) {
      throw new Error(`${name} is an alias of ${definition.alias}: list the command by that name`);
    }
    const type = definition.firstParamType;
    const dispatchable =
      type !== null && resolveType(context.types, context.wideEnums, type) === 'dispatchable';
    const handle = dispatchable ? type : null;
    const providers = context.requirements.commands.get(name) ?? [];
    if (providers.length === 0) throw new Error(`nothing in vk.xml provides ${name}`);
    out.set(name, {
      level: handle === null ? 'global' : INSTANCE_HANDLES.has(handle) ? 'instance' : 'device',
      handle,
      ...providersOf(context.requirements, providers),
    });
  }
  return out;
}

export function renderCommands(commands, version) {
  const lines = [
    ...generatedHeader(version),
    "import type { VkCommandDescriptor } from '../registry-types.js';",
    '',
    '/** The commands the binding calls: how each is dispatched and what provides it. */',
    'export const VkCommands = {',
  ];
  for (const [name, command] of commands) lines.push(`  ${name}: ${literal(command)},`);
  lines.push('} as const satisfies Record<string, VkCommandDescriptor>;', '');
  return lines.join('\n');
}
