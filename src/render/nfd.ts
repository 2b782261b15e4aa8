/**
 * A node-feature-discovery feature file (features.d/): one `name=value` a line, after an
 * `# +expiry-time=` directive so labels vanish if the probe stops running. Every name
 * carries its namespace, feature.node.kubernetes.io/: nfd-master adds it to bare names only
 * while its DisableAutoPrefix feature gate is off (the default up to v0.16), and with the
 * gate on a bare name is dropped. The labels are the same either way. Names and values
 * follow the Kubernetes label rules; the file stays under NFD's 64 kB limit.
 */
import { gpuViews, type GpuView } from '../gpu-view.js';
import type { ListReport } from '../list-report.js';

/** NFD's own label namespace, which nfd-master accepts from every feature source. */
export const NFD_NAMESPACE = 'feature.node.kubernetes.io';
export const NFD_PREFIX = 'rdma-probe';
/** NFD ignores a feature file larger than this. */
export const NFD_MAX_BYTES = 65536;
/** A label name segment or value: at most 63 characters, alphanumeric at both ends. */
export const LABEL_PATTERN = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export interface NfdOptions {
  /** When NFD should drop these labels unless the file is rewritten. */
  expiresAt: Date;
  /** The size limit; a test may lower it. */
  maxBytes?: number;
}

type Label = [name: string, value: string];

export function renderNfd(report: ListReport, options: NfdOptions): string {
  const maxBytes = options.maxBytes ?? NFD_MAX_BYTES;
  const head = [
    `# rdma-probe ${report.tool.version} on ${report.host.hostname} at ${report.generatedAt}`,
    `# +expiry-time=${rfc3339(options.expiresAt)}`,
  ]
    .map((line) => `${oneLine(line)}\n`)
    .join('');
  // Every label once, by name: NFD keeps one value per name, so a second would be a lie.
  const written = new Set<string>();
  const fresh = (labels: Label[]): Label[] => {
    const names = new Set(written);
    return labels.filter(([name]) => !names.has(name) && names.add(name));
  };
  const take = (labels: Label[]) => labels.forEach(([name]) => written.add(name));
  const host = fresh(hostLabels(report));
  take(host);
  let body = labelLines(host);
  const truncated = labelLines([['truncated', 'true']]);
  let size = byteLength(head + body);
  for (const view of gpuViews(report)) {
    const labels = fresh(gpuLabels(view));
    const text = labelLines(labels);
    const next = byteLength(text);
    if (size + next + byteLength(truncated) > maxBytes) {
      body += truncated;
      break;
    }
    body += text;
    take(labels);
    size += next;
  }
  return head + body;
}

function hostLabels(report: ListReport): Label[] {
  const host = report.host;
  const capable = report.gpus.filter((gpu) => gpu.verdict.rdma === 'capable').length;
  const labels: Label[] = [
    ['schema-version', String(report.schemaVersion)],
    ['capable', String(capable > 0)],
    ['gpu-count', String(report.gpus.length)],
    ['rdma-capable-count', String(capable)],
  ];
  const drivers = new Set(report.gpus.map((gpu) => gpu.identity.driverVersion));
  if (drivers.size === 1) labels.push(['driver-version', [...drivers][0]!]);
  const optional: [string, boolean | number | string | null | undefined][] = [
    ['host-ready', host.readiness.ready],
    ['nvidia-module', host.nvidiaModule.loaded ? host.nvidiaModule.flavor : null],
    ['peermem', host.peermem.loaded],
    ['memory-peers', host.memoryPeers],
    ['rdma-nic-count', host.rdmaDevices?.length],
    ['virtual-machine', host.virtualization.virtualMachine],
    ['dma-buf-kernel', host.kernel.dmaBufRdma],
    ['iommu-active', host.iommu.active],
  ];
  for (const [name, value] of optional) {
    if (value !== null && value !== undefined) labels.push([name, String(value)]);
  }
  for (const issue of host.readiness.issues) labels.push([`host-issue.${issue.code}`, 'true']);
  return labels;
}

function gpuLabels({ gpu, topology }: GpuView): Label[] {
  const index = gpu.index;
  const labels: Label[] = [[`gpu${index}.capable`, String(gpu.verdict.rdma === 'capable')]];
  if (topology?.nearest) labels.push([`gpu${index}.nearest-nic`, topology.nearest.relation]);
  if (topology?.acsRedirect != null) {
    labels.push([`gpu${index}.acs-redirect`, String(topology.acsRedirect)]);
  }
  if (topology?.bar1Bytes != null)
    labels.push([`gpu${index}.bar1-bytes`, String(topology.bar1Bytes)]);
  // The kernel's domain type names, or whatever a hostile tree put there, made a label value.
  const domain = topology?.iommuGroup?.type;
  if (domain && labelValue(domain) !== '') {
    labels.push([`gpu${index}.iommu-domain`, domain]);
  }
  // --alloc: ok, failed or skipped, so a scheduler can require a GPU that really exported.
  if (gpu.allocation) labels.push([`gpu${index}.alloc`, gpu.allocation.status]);
  return labels;
}

function labelLines(labels: Label[]): string {
  return labels
    .map(
      ([name, value]) =>
        `${NFD_NAMESPACE}/${labelName(`${NFD_PREFIX}.${name}`)}=${labelValue(value)}\n`,
    )
    .join('');
}

/**
 * The name part of a label key (after the namespace): built from fixed words and numbers,
 * so a bad one is a bug, not input.
 */
function labelName(name: string): string {
  if (!LABEL_PATTERN.test(name) || name.length === 0) {
    throw new Error(`internal: '${name}' is not a valid NFD label name`);
  }
  return name;
}

/** Values can come from the host (driver versions): replace what labels cannot hold. */
export function labelValue(value: string): string {
  const cleaned = value
    .replace(/[^-A-Za-z0-9_.]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned;
}

/**
 * RFC 3339 in UTC, whole seconds, as Go's time.Parse(time.RFC3339, ...) in NFD reads it.
 * toISOString alone is not enough: past year 9999 it writes "+010000-...", which is not
 * RFC 3339. The CLI bounds --nfd-expiry, so only a broken clock gets here with such a date.
 */
export function rfc3339(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) {
    throw new RangeError(`the NFD expiry ${String(date)} is outside RFC 3339's years 0000-9999`);
  }
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
