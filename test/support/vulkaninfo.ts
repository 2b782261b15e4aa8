/**
 * Runs `vulkaninfo` (the Khronos reference tool) and reads the facts rdma-probe reports
 * from its text output, per GPU, so tests and the real-hardware comparison can hold the
 * two side by side. Only what is compared is parsed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface VulkaninfoGpu {
  apiVersion: string;
  /** As vulkaninfo decodes it (1.3.239 prints NVIDIA's 580.159.04 as 580.159.4.256). */
  driverVersion: string;
  /** The raw value vulkaninfo prints in parentheses. */
  driverVersionRaw: number;
  vendorID: number;
  deviceID: number;
  deviceType: string;
  deviceName: string;
  deviceUUID: string;
  driverUUID: string;
  extensions: string[];
  heaps: { size: number; budget: number | null; flags: string[] }[];
  types: { heapIndex: number; propertyFlags: number }[];
}

export function runVulkaninfo(env: NodeJS.ProcessEnv): string {
  const result = spawnSync('vulkaninfo', [], {
    // vulkaninfo wants a runtime dir for its (unused here) window-system probing.
    env: { ...env, XDG_RUNTIME_DIR: env['XDG_RUNTIME_DIR'] ?? mkdtempSync(join(tmpdir(), 'xdg-')) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`vulkaninfo failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export function parseVulkaninfo(text: string): VulkaninfoGpu[] {
  const start = text.indexOf('Device Properties and Extensions:');
  if (start < 0) throw new Error('vulkaninfo output has no device section');
  const sections = text
    .slice(start)
    .split(/^GPU\d+:$/m)
    .slice(1);
  return sections.map(parseGpu);
}

function field(section: string, name: string): string {
  const match = new RegExp(`^\\s*${name}\\s*=\\s*(.*)$`, 'm').exec(section);
  if (!match) throw new Error(`vulkaninfo: no ${name}`);
  return match[1]!.trim();
}

function parseGpu(section: string): VulkaninfoGpu {
  const extensionBlock = /^Device Extensions: count = (\d+)\n((?:\t.*\n?)*)/m.exec(section);
  const extensions = extensionBlock
    ? extensionBlock[2]!
        .split('\n')
        .map((line) => line.trim().split(/\s+:/)[0]!)
        .filter(Boolean)
    : [];
  return {
    apiVersion: field(section, 'apiVersion').split(' ')[0]!,
    driverVersion: field(section, 'driverVersion').split(' ')[0]!,
    driverVersionRaw: Number(/\((\d+)\)/.exec(field(section, 'driverVersion'))?.[1]),
    vendorID: Number(field(section, 'vendorID')),
    deviceID: Number(field(section, 'deviceID')),
    deviceType: field(section, 'deviceType'),
    deviceName: field(section, 'deviceName'),
    deviceUUID: field(section, 'deviceUUID'),
    driverUUID: field(section, 'driverUUID'),
    extensions,
    ...parseMemory(section),
  };
}

function parseMemory(section: string): Pick<VulkaninfoGpu, 'heaps' | 'types'> {
  const start = section.indexOf('VkPhysicalDeviceMemoryProperties:');
  const end = section.indexOf('VkPhysicalDeviceFeatures:', start);
  const block = section.slice(start, end < 0 ? undefined : end);
  const heaps = block
    .split(/^\tmemoryHeaps\[\d+\]:$/m)
    .slice(1)
    .map((heap) => {
      const body = heap.split(/^memoryTypes:/m)[0]!;
      const budget = /^\t\tbudget\s*=\s*(\d+)/m.exec(body);
      return {
        size: Number(/^\t\tsize\s*=\s*(\d+)/m.exec(body)![1]),
        budget: budget ? Number(budget[1]) : null,
        flags: [...body.matchAll(/^\t\t\t(MEMORY_HEAP_\w+)_BIT/gm)].map((m) =>
          m[1]!.replace('MEMORY_HEAP_', ''),
        ),
      };
    });
  const types = block
    .split(/^\tmemoryTypes\[\d+\]:$/m)
    .slice(1)
    .map((type) => ({
      heapIndex: Number(/^\t\theapIndex\s*=\s*(\d+)/m.exec(type)![1]),
      propertyFlags: Number(/^\t\tpropertyFlags\s*=\s*(0x[0-9a-f]+)/m.exec(type)![1]),
    }));
  return { heaps, types };
}
