/**
 * Metrics for the Prometheus node_exporter textfile collector (text exposition format
 * 0.0.4): every family once, with # HELP and # TYPE, label values escaped. Pure
 * functions: of the report, or of the failure when there is no report.
 *
 * No series twice: node_exporter drops a whole textfile's family when it meets a repeated
 * series ("collected before with the same name and label values") and still reports
 * node_textfile_scrape_error 0. Every family keeps its samples by label set (gauge()):
 * a sample whose labels another already has is the same series, and only the first is
 * written. Each GPU's labels carry its driver, so one board seen through two drivers is
 * two series; the probe has already made a GPU listed twice through one driver one entry.
 */
import { gpuViews, type GpuView } from '../gpu-view.js';
import type { GpuReport, GpuTopology, ListReport } from '../list-report.js';

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
}
interface Family {
  name: string;
  help: string;
  /** By their labels as written: one sample per series. */
  samples: Map<string, Sample>;
}

export interface PrometheusFailure {
  toolVersion: string;
  /** When the failed run ended. */
  finishedAt: Date;
  durationSeconds: number;
}

export function renderPrometheus(report: ListReport): string {
  const host = report.host;
  const views = gpuViews(report);
  const families: Family[] = [
    ...runFamilies(
      1,
      report.durationMs / 1000,
      Date.parse(report.generatedAt) / 1000,
      report.tool.version,
    ),
    gauge(
      'rdma_probe_gpus',
      'GPUs the probe reported: each once per driver, however often the Vulkan loader listed it.',
      [{ labels: {}, value: report.gpus.length }],
    ),
    gauge(
      'rdma_probe_gpu_info',
      'One per GPU, its identity in the labels.',
      report.gpus.map((gpu) => ({
        labels: {
          ...gpuLabels(gpu),
          vendor: gpu.identity.vendor,
          driver_version: gpu.identity.driverVersion,
        },
        value: 1,
      })),
    ),
    gauge(
      'rdma_probe_gpu_loader_listings',
      'How often the Vulkan loader listed the GPU through this driver: above 1 when two driver manifests name one driver.',
      report.gpus.map((gpu) => ({ labels: gpuLabels(gpu), value: gpu.loaderIndexes.length })),
    ),
    gauge(
      'rdma_probe_gpu_rdma_capable',
      'Whether Vulkan reports the GPU can export memory for RDMA (VK_NV_external_memory_rdma).',
      report.gpus.map((gpu) => ({
        labels: gpuLabels(gpu),
        value: gpu.verdict.rdma === 'capable' ? 1 : 0,
      })),
    ),
    gauge(
      'rdma_probe_gpu_reason',
      'Why a GPU is not RDMA-capable (source "vulkan") or what the host lacks for it (source "host").',
      views.flatMap(({ gpu, hostReasons }) => [
        ...gpu.verdict.reasons.map((reason) => ({
          labels: { ...gpuLabels(gpu), source: 'vulkan', reason: reason.code },
          value: 1,
        })),
        ...hostReasons.map((reason) => ({
          labels: { ...gpuLabels(gpu), source: 'host', reason: reason.code },
          value: 1,
        })),
      ]),
    ),
    // Only for GPUs whose allocation was asked for (--alloc). The remote address is never a
    // label: a new value every run would be a new series every run.
    gauge(
      'rdma_probe_gpu_allocation_success',
      'Whether the requested test allocation (--alloc) of RDMA-exportable memory succeeded; 0 when it failed or was skipped.',
      report.gpus.flatMap((gpu) =>
        gpu.allocation === null
          ? []
          : [{ labels: gpuLabels(gpu), value: gpu.allocation.status === 'ok' ? 1 : 0 }],
      ),
    ),
    gauge(
      'rdma_probe_gpu_allocation_duration_seconds',
      'Wall time of the successful test allocation: device, allocation, remote address and free.',
      report.gpus.flatMap((gpu) =>
        gpu.allocation?.timings
          ? [{ labels: gpuLabels(gpu), value: gpu.allocation.timings.totalMs / 1000 }]
          : [],
      ),
    ),
    gauge(
      'rdma_probe_gpu_acs_redirect',
      'Whether PCIe ACS redirects peer-to-peer traffic between the GPU and an RDMA NIC (absent when unknown).',
      topologySamples(views, (topology) => topology.acsRedirect),
    ),
    gauge(
      'rdma_probe_gpu_bar1_bytes',
      'Size of the GPU BAR1 aperture, through which peers reach GPU memory (NVIDIA GPUs).',
      topologySamples(views, (topology) => topology.bar1Bytes),
    ),
    heapFamily(
      report,
      'rdma_probe_gpu_heap_size_bytes',
      'Size of each memory heap.',
      (h) => h.size,
    ),
    heapFamily(
      report,
      'rdma_probe_gpu_heap_budget_bytes',
      'Memory heap budget (VK_EXT_memory_budget); absent when the driver has no budget.',
      (h) => h.budget,
    ),
    heapFamily(
      report,
      'rdma_probe_gpu_heap_usage_bytes',
      'Memory heap usage (VK_EXT_memory_budget); absent when the driver has no budget.',
      (h) => h.usage,
    ),
  ];
  const hostGauges: [string, string, boolean | number | null | undefined][] = [
    [
      'rdma_probe_host_ready',
      'Whether every host readiness check passed (absent when unknown).',
      host.readiness.ready,
    ],
    [
      'rdma_probe_host_peermem_loaded',
      'Whether nvidia_peermem or nv_peer_mem is loaded.',
      host.peermem.loaded,
    ],
    [
      'rdma_probe_host_memory_peers',
      'Whether /sys/kernel/mm/memory_peers exists.',
      host.memoryPeers,
    ],
    [
      'rdma_probe_host_rdma_devices',
      'RDMA devices in /sys/class/infiniband.',
      host.rdmaDevices?.length,
    ],
    [
      'rdma_probe_host_virtual_machine',
      'Whether the host is a virtual machine.',
      host.virtualization.virtualMachine,
    ],
    [
      'rdma_probe_host_iommu_active',
      'Whether an IOMMU is registered (/sys/class/iommu).',
      host.iommu.active,
    ],
  ];
  for (const [name, help, value] of hostGauges) {
    if (value !== null && value !== undefined) {
      families.push(gauge(name, help, [{ labels: {}, value: Number(value) }]));
    }
  }
  families.push(
    gauge(
      'rdma_probe_host_issue',
      'One per failed host readiness check.',
      host.readiness.issues.map((issue) => ({ labels: { code: issue.code }, value: 1 })),
    ),
  );
  return renderFamilies(families);
}

/** What the textfile holds when the probe could not run: rdma_probe_success 0. */
export function renderPrometheusFailure(failure: PrometheusFailure): string {
  return renderFamilies(
    runFamilies(
      0,
      failure.durationSeconds,
      failure.finishedAt.getTime() / 1000,
      failure.toolVersion,
    ),
  );
}

function runFamilies(
  success: 0 | 1,
  durationSeconds: number,
  timestamp: number,
  version: string,
): Family[] {
  return [
    gauge('rdma_probe_success', 'Whether the last probe ran (1) or failed (0).', [
      { labels: {}, value: success },
    ]),
    gauge('rdma_probe_duration_seconds', 'Wall time of the last probe.', [
      { labels: {}, value: Math.round(durationSeconds * 1e4) / 1e4 },
    ]),
    gauge('rdma_probe_last_run_timestamp_seconds', 'When the last probe ran, Unix time.', [
      { labels: {}, value: Math.round(timestamp) },
    ]),
    gauge('rdma_probe_info', 'The rdma-probe version, in the labels.', [
      { labels: { version }, value: 1 },
    ]),
  ];
}

/** uuid and pci_bus_id as dcgm-exporter labels them; driver tells two drivers of one board apart. */
function gpuLabels(gpu: GpuReport): Labels {
  return {
    uuid: gpu.identity.nvidiaSmiUUID,
    pci_bus_id: gpu.identity.pciBusId ?? '',
    name: gpu.identity.name,
    driver: gpu.identity.driverName ?? '',
  };
}

/** One sample per GPU with a topology entry whose value is known (null leaves the GPU out). */
function topologySamples(
  views: readonly GpuView[],
  valueOf: (topology: GpuTopology) => boolean | number | null,
): Sample[] {
  return views.flatMap(({ gpu, topology }) => {
    const value = topology === null ? null : valueOf(topology);
    return value === null ? [] : [{ labels: gpuLabels(gpu), value: Number(value) }];
  });
}

function heapFamily(
  report: ListReport,
  name: string,
  help: string,
  valueOf: (heap: { size: number; budget: number | null; usage: number | null }) => number | null,
): Family {
  const samples: Sample[] = [];
  for (const gpu of report.gpus) {
    for (const heap of gpu.memory?.heaps ?? []) {
      const value = valueOf(heap);
      if (value === null) continue;
      samples.push({
        labels: {
          uuid: gpu.identity.nvidiaSmiUUID,
          pci_bus_id: gpu.identity.pciBusId ?? '',
          driver: gpu.identity.driverName ?? '',
          heap: String(heap.index),
          device_local: String(heap.flags.includes('DEVICE_LOCAL')),
        },
        value,
      });
    }
  }
  return gauge(name, help, samples);
}

/** The one place samples become series: a label set already there is not written again. */
function gauge(name: string, help: string, samples: Sample[]): Family {
  const series = new Map<string, Sample>();
  for (const sample of samples) {
    const key = renderLabels(sample.labels);
    if (!series.has(key)) series.set(key, sample);
  }
  return { name, help, samples: series };
}

function renderFamilies(families: Family[]): string {
  const out: string[] = [];
  const names = new Set<string>();
  for (const family of families) {
    if (family.samples.size === 0) continue;
    // Family names are fixed words: a repeated one is a bug here, not input.
    if (names.has(family.name)) throw new Error(`internal: metric family ${family.name} twice`);
    names.add(family.name);
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`);
    for (const [labels, sample] of family.samples) {
      out.push(`${family.name}${labels} ${formatValue(sample.value)}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

function renderLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** The exposition format escapes backslash, double quote and line feed in label values. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** ... and backslash and line feed in HELP text. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
