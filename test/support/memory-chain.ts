/**
 * The pNext structures the in-memory binding's commands carry, and the test driver's rule
 * for each (test/driver/chain.c): a structure is valid from a core version, or with an
 * extension the GPU supports (for vkCreateDevice: has enabled). One that is not is a
 * violation, worded as the driver words it, and is left untouched.
 */
import { VK_API_VERSION_1_1, VK_API_VERSION_1_2 } from '../../src/vulkan/constants.js';

export const EXTENSION = {
  rdma: 'VK_NV_external_memory_rdma',
  budget: 'VK_EXT_memory_budget',
  pci: 'VK_EXT_pci_bus_info',
} as const;
export type ExtensionKey = keyof typeof EXTENSION;

export interface ChainRule {
  name: string;
  /** The core version that brings it; 0: none. */
  version: number;
  extension: ExtensionKey | null;
}

const core11 = (name: string): ChainRule => ({
  name,
  version: VK_API_VERSION_1_1,
  extension: null,
});

export const RULES = {
  ids: core11('VkPhysicalDeviceIDProperties'),
  driver: {
    name: 'VkPhysicalDeviceDriverProperties',
    version: VK_API_VERSION_1_2,
    extension: null,
  },
  pci: { name: 'VkPhysicalDevicePCIBusInfoPropertiesEXT', version: 0, extension: 'pci' },
  rdmaFeatures: {
    name: 'VkPhysicalDeviceExternalMemoryRDMAFeaturesNV',
    version: 0,
    extension: 'rdma',
  },
  budget: { name: 'VkPhysicalDeviceMemoryBudgetPropertiesEXT', version: 0, extension: 'budget' },
  externalBuffer: core11('VkExternalMemoryBufferCreateInfo'),
  dedicatedRequirements: core11('VkMemoryDedicatedRequirements'),
  exportAllocate: core11('VkExportMemoryAllocateInfo'),
  dedicatedAllocate: core11('VkMemoryDedicatedAllocateInfo'),
} satisfies Record<string, ChainRule>;

function majorMinor(version: number): string {
  return `${version >>> 22}.${(version >>> 12) & 0x3ff}`;
}

/** The extensions among `names` that structures depend on. */
export function extensionKeys(names: Iterable<string>): Set<ExtensionKey> {
  const given = new Set(names);
  return new Set(
    (Object.keys(EXTENSION) as ExtensionKey[]).filter((key) => given.has(EXTENSION[key])),
  );
}

/**
 * icd_chain_walk over `rules` in chain order: whether each is allowed, with a violation
 * (id, text) reported for each that is not.
 */
export function walkChain(
  call: string,
  parent: string,
  rules: readonly ChainRule[],
  version: number,
  extensions: ReadonlySet<ExtensionKey>,
  violation: (id: string, text: string) => void,
): boolean[] {
  return rules.map((rule) => {
    const allowed =
      (rule.version !== 0 && version >= rule.version) ||
      (rule.extension !== null && extensions.has(rule.extension));
    if (allowed) return true;
    const id = `VUID-${parent}-pNext-pNext`;
    if (rule.extension) {
      const not = call === 'vkCreateDevice' ? 'enabled' : 'supported';
      violation(
        id,
        `${call}: ${rule.name} needs ${EXTENSION[rule.extension]}, which is not ${not}; left untouched`,
      );
    } else {
      violation(
        id,
        `${call}: ${rule.name} needs Vulkan ${majorMinor(rule.version)}, the device has ${majorMinor(version)}`,
      );
    }
    return false;
  });
}
