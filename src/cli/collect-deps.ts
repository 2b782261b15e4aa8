/**
 * The real sources the list report is collected from, for `list` and `check`: the Vulkan
 * binding main() opened, the host's procfs and sysfs (under RDMA_PROBE_SYSFS_ROOT when
 * set, for tests and offline checks of a copied tree), the process's clocks and the
 * kernel's host name.
 */
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../clock.js';
import type { CollectDeps } from '../collect.js';
import { HostFs } from '../host/host-fs.js';
import { readHostFacts } from '../host/read-host.js';
import type { VulkanBinding } from '../vulkan/binding.js';
import type { CliIo } from './io.js';

/**
 * The sources but the binding, with the host facts that need no GPU read at once: called
 * before the binding is awaited, so that when the instance was started early
 * (early-instance.ts) they are read while the loader is still loading the drivers.
 */
export function prepareCollectDeps(io: CliIo): (vk: VulkanBinding) => CollectDeps {
  const clock: Clock = io.now ? { ...systemClock, now: io.now } : systemClock;
  const hostFs = new HostFs(io.env['RDMA_PROBE_SYSFS_ROOT'] || '/');
  const startedMs = clock.monotonicMs();
  const facts = readHostFacts(hostFs);
  return (vk) => ({ vk, hostFs, clock, hostname, readAhead: { facts, startedMs } });
}
