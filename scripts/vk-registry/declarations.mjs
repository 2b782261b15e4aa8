// One C declaration as the registry marks it up, in a structure's <member> or a command's
// <param>: `const <type>T</type>* <name>n</name>[<enum>N</enum>]`.
import { resolveType } from './types.mjs';

const DECLARATION =
  /^\s*(const\s+)?(?:struct\s+)?<type>([^<]+)<\/type>([^<]*)<name>([^<]+)<\/name>([\s\S]*)$/;

/**
 * { name, type, c, pointers, const, length } of one declaration; `owner` names the
 * structure or command in error messages. Fields that do not apply are undefined.
 */
export function readDeclaration(owner, inner, context) {
  const text = inner.replace(/<comment>[\s\S]*?<\/comment>/g, '');
  const parts = DECLARATION.exec(text);
  if (!parts) throw new Error(`${owner}: cannot read the declaration ${text.trim()}`);
  const [, constant, type, declarator, name, tail] = parts;
  if (!/^(\s|\*|const\b)*$/.test(declarator)) {
    throw new Error(`${owner}.${name}: cannot read the declarator "${declarator}"`);
  }
  const pointers = (declarator.match(/\*/g) ?? []).length;
  let length = null;
  if (tail.trim() !== '') {
    // One fixed dimension, by API constant or number. Bitfields and 2-D arrays are not
    // needed by anything the binding declares: refuse rather than guess.
    const array = /^\s*\[\s*(?:<enum>([^<]+)<\/enum>|(\d+))\s*\]\s*$/.exec(tail);
    if (!array) throw new Error(`${owner}.${name}: cannot read "${tail.trim()}"`);
    length = array[1] !== undefined ? context.apiConstants.get(array[1]) : Number(array[2]);
    if (!Number.isSafeInteger(length)) throw new Error(`${owner}.${name}: no length`);
  }
  const c = resolveType(context.types, context.wideEnums, type);
  if (c === 'union') throw new Error(`${owner}.${name}: unions are not supported`);
  return {
    name,
    type,
    c,
    pointers: pointers || undefined,
    const: constant ? true : undefined,
    length: length ?? undefined,
  };
}
