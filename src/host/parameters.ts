/**
 * Kernel and NVIDIA driver parameters that bear on peer DMA: the kernel command line's
 * IOMMU and PCIe ACS parameters, and the NVIDIA driver's peer-DMA knobs. Pure parsers of
 * /proc/cmdline and /proc/driver/nvidia/params.
 */
import type { KernelCommandLine, NvidiaParameter } from '../list-report.js';

const IOMMU_PARAMETERS = new Set([
  'iommu',
  'intel_iommu',
  'amd_iommu',
  'iommu.passthrough',
  'iommu.strict',
]);

/** pci= options that change ACS (Linux drivers/pci/pci.c pci_setup, and noacs asked for by name). */
const PCI_ACS_OPTION = /^(?:noacs|disable_acs_redir=.*|config_acs=.*)$/;

/**
 * The kernel's own words of a command line, split as the kernel splits them: at spaces,
 * except inside double quotes (param="a b" is one word). What follows a lone "--" is for
 * init, not the kernel.
 */
export function commandLineWords(commandLine: string): string[] {
  const words: string[] = commandLine.match(/(?:[^\s"]+|"[^"]*"?)+/g) ?? [];
  const end = words.indexOf('--');
  return end < 0 ? words : words.slice(0, end);
}

/** The parameter's name and value, quotes removed: 'a.b="x y"' -> ['a.b', 'x y']. */
export function splitParameter(word: string): [name: string, value: string | null] {
  const unquoted = word.replace(/"/g, '');
  const at = unquoted.indexOf('=');
  return at < 0 ? [unquoted, null] : [unquoted.slice(0, at), unquoted.slice(at + 1)];
}

export function parseCommandLine(commandLine: string): KernelCommandLine {
  const iommu: string[] = [];
  const pcieAcs: string[] = [];
  for (const word of commandLineWords(commandLine)) {
    const [name, value] = splitParameter(word);
    if (IOMMU_PARAMETERS.has(name)) iommu.push(word);
    else if (name === 'pcie_acs_override') pcieAcs.push(word);
    else if (name === 'pci' && pciOptions(value).some((option) => PCI_ACS_OPTION.test(option))) {
      pcieAcs.push(word);
    }
  }
  return { iommu, pcieAcs };
}

/** pci=noacs,realloc -> ["noacs", "realloc"]. */
export function pciOptions(value: string | null): string[] {
  return value === null ? [] : value.split(',').filter(Boolean);
}

/**
 * The NVIDIA driver parameters that concern peer DMA, as /proc/driver/nvidia/params
 * names them (NVreg_<name> on the modprobe line). Only the first three are interpreted,
 * and only as NVIDIA's nv-reg.h documents them; RegistryDwords is shown as read, since
 * peer-mapping overrides are set through it.
 */
export const NVIDIA_PEER_DMA_PARAMETERS = [
  'DmaRemapPeerMmio',
  'GrdmaPciTopoCheckOverride',
  'EnableResizableBar',
  'RegistryDwords',
] as const;

/** "DmaRemapPeerMmio: 1" lines to the parameters above, in that order, those present. */
export function parseNvidiaParameters(text: string): NvidiaParameter[] {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9_]+):[ \t]*(.*?)\s*$/.exec(line);
    if (match && !values.has(match[1]!)) values.set(match[1]!, match[2]!);
  }
  return NVIDIA_PEER_DMA_PARAMETERS.flatMap((name) => {
    const value = values.get(name);
    return value === undefined ? [] : [{ name, value }];
  });
}
