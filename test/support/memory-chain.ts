/**
 * The pNext structures the in-memory binding's commands carry, judged by the test driver's
 * own tables (./generated/chain-rules.ts, generated from the registry with the driver's
 * chain_rules.c): a structure is valid from a core version, or with an extension the GPU
 * supports (for vkCreateDevice: has enabled). One that is not breaks its parent's pNext
 * rule, worded as the driver's chain walk (test/driver/chain.c) words it, and is left
 * untouched.
 */
import { CHAIN_PARENTS, type ChainRule } from './generated/chain-rules.js';

type Parents = typeof CHAIN_PARENTS;
/** A structure whose chain the driver checks. */
export type ChainParentName = keyof Parents;
/** The structures the registry lets extend `P` (and the driver knows). */
export type ChainChildName<P extends ChainParentName> = Parents[P]['rules'][number]['name'];

function majorMinor(version: number): string {
  return `${version >>> 22}.${(version >>> 12) & 0x3ff}`;
}

/**
 * icd_chain_walk over the structures `children` names, in chain order: whether each is
 * allowed, with a violation (id, text) reported for each that is not.
 */
export function walkChain<P extends ChainParentName>(
  call: string,
  parentName: P,
  children: readonly ChainChildName<P>[],
  version: number,
  extensions: ReadonlySet<string>,
  violation: (id: string, text: string) => void,
): boolean[] {
  const parent = CHAIN_PARENTS[parentName];
  const rules: readonly ChainRule[] = parent.rules;
  return children.map((child) => {
    const rule = rules.find((candidate) => candidate.name === child);
    // The types allow only the parent's own structures, so this is a bug of the caller.
    if (!rule) throw new TypeError(`${child} may not extend ${parentName}`);
    const allowed =
      (rule.version !== undefined && version >= rule.version) ||
      rule.always === true ||
      (rule.extension !== undefined && extensions.has(rule.extension));
    if (allowed) return true;
    if (rule.extension !== undefined) {
      const not = call === 'vkCreateDevice' ? 'enabled' : 'supported';
      violation(
        parent.pNextVuid,
        `${call}: ${rule.name} needs ${rule.extension}, which is not ${not}; left untouched`,
      );
    } else {
      violation(
        parent.pNextVuid,
        `${call}: ${rule.name} needs Vulkan ${majorMinor(rule.version ?? 0)}, the device has ${majorMinor(version)}`,
      );
    }
    return false;
  });
}
