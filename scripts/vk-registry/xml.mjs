// The little XML reading the registry needs. vk.xml is regular enough (no CDATA, attributes
// always double-quoted, no nesting of the elements read here beyond what each reader
// tracks) that a tokenizer of tags beats a dependency on an XML parser.

const ENTITIES = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };

export function decodeEntities(text) {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name) => ENTITIES[name]);
}

export function attributes(text) {
  const out = {};
  for (const match of text.matchAll(/([A-Za-z_][\w-]*)\s*=\s*"([^"]*)"/g)) {
    out[match[1]] = decodeEntities(match[2]);
  }
  return out;
}

/** True for an element meant for the Vulkan API (no api/supported list, or one naming it). */
export const forVulkan = (list) => list === undefined || list.split(',').includes('vulkan');

export function withoutComments(xml) {
  return xml.replace(/<!--[\s\S]*?-->/g, '');
}

/** The text between the first `<tag...>` and its `</tag>` (tags of that name never nest). */
export function section(xml, tag) {
  const start = xml.search(new RegExp(`<${tag}[\\s>]`));
  const end = xml.indexOf(`</${tag}>`, start);
  if (start < 0 || end < 0) throw new Error(`vk.xml has no <${tag}> section`);
  return xml.slice(start, end);
}

/** Text with its tags removed and entities decoded. */
export function textOf(fragment) {
  return decodeEntities(fragment.replace(/<[^>]*>/g, ''));
}
