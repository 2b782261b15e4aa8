/**
 * The device's extension list, as the probe uses it: a set of names, the three
 * extensions it looks for, and notes on what a correct driver never does (a name listed
 * twice, a name that fills its array without a terminator). Pure: no Vulkan here.
 */
import type { ExtensionProperties } from '../vulkan/binding.js';
import { Extension } from '../vulkan/constants.js';
import type { ExtensionSupport, Note } from '../list-report.js';
import { quoteDriverText, unterminatedNote } from './driver-text.js';

const CALL = 'vkEnumerateDeviceExtensionProperties';

export interface DeviceExtensions {
  names: Set<string>;
  support: ExtensionSupport;
  notes: Note[];
}

export function readDeviceExtensions(list: ExtensionProperties[]): DeviceExtensions {
  const names = new Set<string>();
  const repeated = new Set<string>();
  let unterminated = 0;
  for (const extension of list) {
    if (!extension.nameTerminated) unterminated++;
    if (names.has(extension.extensionName)) repeated.add(extension.extensionName);
    names.add(extension.extensionName);
  }
  const notes: Note[] = [];
  if (repeated.size > 0) {
    const shown = [...repeated].slice(0, 3).map((name) => quoteDriverText(name));
    notes.push({
      code: 'extension-listed-twice',
      message: `${CALL} listed ${repeated.size} extension name(s) more than once (${shown.join(', ')}${repeated.size > 3 ? ', ...' : ''}): each is counted once`,
    });
  }
  if (unterminated > 0) {
    notes.push(unterminatedNote(CALL, `extensionName of ${unterminated} extension(s)`));
  }
  return {
    names,
    support: {
      count: names.size,
      externalMemoryRDMA: names.has(Extension.EXTERNAL_MEMORY_RDMA),
      memoryBudget: names.has(Extension.MEMORY_BUDGET),
      pciBusInfo: names.has(Extension.PCI_BUS_INFO),
    },
    notes,
  };
}
