// What provides each type and command: the core versions (<feature>) and extensions
// (<extension>) whose <require> blocks name it. Only parts meant for Vulkan count: Vulkan
// SC features, disabled extensions and api="vulkansc" blocks are left out.
import { attributes, forVulkan, withoutComments } from './xml.mjs';

/**
 * Returns { versions, types, commands }: versions maps each feature name to its
 * [major, minor] (VK_VERSION_1_1 -> [1, 1]), in registry order; types and commands map a
 * name to the features and extensions that provide it, in registry order.
 */
export function readRequirements(xml) {
  const text = withoutComments(xml);
  const versions = new Map();
  const types = new Map();
  const commands = new Map();
  const add = (table, name, provider) => {
    if (!table.has(name)) table.set(name, []);
    if (!table.get(name).includes(provider)) table.get(name).push(provider);
  };
  const start = text.search(/<feature[\s>]/);
  if (start < 0) throw new Error('vk.xml has no <feature>');
  let provider = null; // the feature or extension being read, when it is for Vulkan
  let inRequire = false;
  const tags = /<(\/?)(feature|extension|require|remove|type|command)\b([^>]*?)(\/?)>/g;
  for (const match of text.slice(start).matchAll(tags)) {
    const [, closing, tag, rest, selfClosing] = match;
    const attrs = closing ? {} : attributes(rest);
    if (tag === 'feature' || tag === 'extension') {
      if (closing || selfClosing) {
        provider = null;
        continue;
      }
      const supported = tag === 'feature' ? attrs.api : attrs.supported;
      provider = forVulkan(supported) ? attrs.name : null;
      if (provider && tag === 'feature') {
        const number = /^(\d+)\.(\d+)$/.exec(attrs.number ?? '');
        if (!number) throw new Error(`${attrs.name}: no version number`);
        versions.set(attrs.name, [Number(number[1]), Number(number[2])]);
      }
    } else if (tag === 'require') {
      inRequire = !closing && !selfClosing && forVulkan(attrs.api);
    } else if (tag === 'remove') {
      inRequire = false;
    } else if (provider && inRequire && !closing && attrs.name !== undefined) {
      add(tag === 'type' ? types : commands, attrs.name, provider);
    }
  }
  return { versions, types, commands };
}

/**
 * A name's providers split into the core version that has it (the oldest, null when
 * none does) and the extensions that have it, as the generated tables record them.
 */
export function providersOf(requirements, providers) {
  const core = providers.filter((name) => requirements.versions.has(name));
  return {
    version: core[0] ?? null,
    extensions: providers.filter((name) => !requirements.versions.has(name)),
  };
}

/** VK_MAKE_API_VERSION(0, major, minor, 0) for each core version. */
export function apiVersions(requirements) {
  return [...requirements.versions].map(([name, [major, minor]]) => [
    name,
    ((major << 22) | (minor << 12)) >>> 0,
  ]);
}
