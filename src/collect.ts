/**
 * The collecting step: the list report, assembled from what the probe asked Vulkan and
 * what the host's files say, dated and timed. Every source is handed in (CollectDeps), so
 * that the CLI gives the real ones and a test any others; nothing here reaches for the
 * process, the file system or the clock itself.
 */
import type { Clock } from './clock.js';
import { UsageError } from './errors.js';
import type { HostFs } from './host/host-fs.js';
import { readHost } from './host/read-host.js';
import { SCHEMA_VERSION, type GpuReport, type ListReport } from './list-report.js';
import { probe, type ProbeOptions } from './probe/probe.js';
import { noGpuMatches } from './probe/select.js';
import type { VulkanBinding } from './vulkan/binding.js';

export interface CollectDeps {
  vk: VulkanBinding;
  /** The procfs and sysfs the host facts are read from. */
  hostFs: HostFs;
  clock: Clock;
  /** The host's name, as the report and the metrics label it. */
  hostname: () => string;
}

export interface CollectOptions extends ProbeOptions {
  toolVersion: string;
}

/** A list report, and the GPUs it was selected from. */
export interface CollectedReport {
  /** Its gpus are the ones --device selected (all of them without it). */
  report: ListReport;
  /** Every GPU seen, before --device selected: what `check --gpus N` counts. */
  found: GpuReport[];
}

/** The whole report; a --device that matches nothing leaves it with no GPU. */
export function collectReport(deps: CollectDeps, options: CollectOptions): CollectedReport {
  const { clock } = deps;
  const started = clock.monotonicMs();
  const generatedAt = clock.now().toISOString();
  const { toolVersion, ...probeOptions } = options;
  const vulkan = probe(deps.vk, { ...probeOptions, monotonicMs: clock.monotonicMs });
  const report: ListReport = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'rdma-probe', version: toolVersion },
    generatedAt,
    host: readHost({
      fs: deps.hostFs,
      hostname: deps.hostname(),
      gpus: vulkan.gpus.map((gpu) => ({
        index: gpu.index,
        pciBusId: gpu.identity.pciBusId,
        deviceLocalBytes: largestDeviceLocalHeap(gpu),
      })),
    }),
    loader: vulkan.loader,
    validation: vulkan.validation,
    durationMs: Math.round((clock.monotonicMs() - started) * 10) / 10,
    gpus: vulkan.gpus,
  };
  return { report, found: vulkan.found };
}

/**
 * The report for `list`: as collectReport, but a --device that matches no GPU is a usage
 * error naming the GPUs found (`check` judges that case instead).
 */
export function collectListReport(deps: CollectDeps, options: CollectOptions): ListReport {
  const { report, found } = collectReport(deps, options);
  if (options.device && report.gpus.length === 0) {
    throw new UsageError(noGpuMatches(options.device, found));
  }
  return report;
}

/** What BAR1 is compared with: the largest DEVICE_LOCAL heap; null without memory properties. */
export function largestDeviceLocalHeap(gpu: GpuReport): number | null {
  const sizes = (gpu.memory?.heaps ?? [])
    .filter((heap) => heap.flags.includes('DEVICE_LOCAL'))
    .map((heap) => heap.size);
  return sizes.length > 0 ? Math.max(...sizes) : null;
}
