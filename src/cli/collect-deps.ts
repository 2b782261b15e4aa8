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
import type { VulkanBinding } from '../vulkan/binding.js';
import type { CliIo } from './io.js';

export function collectDeps(vk: VulkanBinding, io: CliIo): CollectDeps {
  const clock: Clock = io.now ? { ...systemClock, now: io.now } : systemClock;
  return {
    vk,
    hostFs: new HostFs(io.env['RDMA_PROBE_SYSFS_ROOT'] || '/'),
    clock,
    hostname,
  };
}
