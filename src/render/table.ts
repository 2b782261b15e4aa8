/**
 * The human table: a pure function of the report. Colour is decided by the caller
 * (TTY and NO_COLOR live in the CLI), so tests render both ways deterministically.
 * Laid out to stay readable at 100 columns.
 *
 * Names, versions and messages come from the driver and from sysfs: every string of the
 * report is escaped (terminalSafeDeep) before a row is built, so a driver cannot send a
 * terminal escape, a carriage return or a line of its own through the table.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type {
  AllocationReport,
  GpuReport,
  HostReport,
  MemoryReport,
  ListReport,
  RdmaExportSupport,
} from '../list-report.js';
import { gpuViews, type GpuView } from '../gpu-view.js';
import { formatBytes, hex, plural } from './format.js';
import { gpuHostRows, hostRows, hostSummaryLine, hostTitle } from './host-table.js';
import { terminalSafeDeep } from './terminal-text.js';

export interface TableOptions {
  color: boolean;
  /** Adds every memory heap and memory type. */
  verbose: boolean;
}

const LABEL_WIDTH = 22;
const VALUE_WIDTH = 74;

export function renderTable(listReport: ListReport, options: TableOptions): string {
  const report = terminalSafeDeep(listReport);
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  const gpus = plural(report.gpus.length, 'GPU');
  out.push(
    c.bold(`rdma-probe ${report.tool.version}`) +
      ` · host ${report.host.hostname} · Vulkan loader ${report.loader.apiVersion} · ${gpus}`,
  );
  for (const view of gpuViews(report)) {
    out.push('');
    out.push(renderGpu(view, c, options, report.host));
  }
  const hostTable = keyValueTable();
  hostTable.push(...hostRows(report.host, c));
  out.push('', hostTitle(report.host, c), hostTable.toString());
  if (report.validation) {
    const count = report.validation.messages.length;
    const line = `validation (${report.validation.layer}): ${plural(count, 'message')} at warning or above`;
    out.push('', count ? c.yellow(line) : c.green(line));
  }
  const capable = report.gpus.filter((gpu) => gpu.verdict.rdma === 'capable').length;
  out.push('', `${capable} of ${gpus} RDMA-capable. ${hostSummaryLine(report.host)}`);
  return `${out.join('\n')}\n`;
}

/** No rule between rows: the key/value tables read as one block per GPU. */
const COMPACT_ROWS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function keyValueTable(): Table.Table {
  return new Table({
    colWidths: [LABEL_WIDTH, VALUE_WIDTH],
    wordWrap: true,
    chars: COMPACT_ROWS,
    style: { head: [], border: [] },
  });
}

function renderGpu(
  view: GpuView,
  c: ChalkInstance,
  options: TableOptions,
  host: HostReport,
): string {
  const { gpu } = view;
  const id = gpu.identity;
  const verdict =
    gpu.verdict.rdma === 'capable' ? c.green.bold('RDMA CAPABLE') : c.red.bold('NOT RDMA-CAPABLE');
  const title = `${c.bold(`GPU ${gpu.index}`)}  ${id.name}  ${verdict}`;
  const table = keyValueTable();
  const yesNo = (value: boolean | null, absent = 'n/a') =>
    value === null ? c.dim(absent) : value ? c.green('yes') : c.red('no');

  table.push(
    [
      'Vendor / device',
      `${id.vendor} ${hex(id.vendorID)} / ${hex(id.deviceID)} (${id.deviceType})`,
    ],
    ['Driver', driverLine(gpu)],
    ['Vulkan API', id.apiVersion],
    ['UUID', id.nvidiaSmiUUID],
    ['Driver UUID', id.driverUUID],
    ['PCI bus ID', id.pciBusId ?? c.dim('unknown (no VK_EXT_pci_bus_info)')],
    ['RDMA extension', `${yesNo(gpu.extensions.externalMemoryRDMA)} (VK_NV_external_memory_rdma)`],
    ['externalMemoryRDMA', yesNo(gpu.features.externalMemoryRDMA, 'n/a (extension absent)')],
    ['RDMA address export', exportLine(gpu.rdmaExport, c)],
    ['RDMA memory types', rdmaTypesLine(gpu, c)],
  );
  if (gpu.error) {
    table.push(['Probe error', c.red(`${gpu.error.call}: ${gpu.error.result}`)]);
  }
  table.push(['Verdict', verdictLines(gpu, c)]);
  table.push(...gpuHostRows(view, host, c));
  if (gpu.allocation) table.push(['RDMA allocation', allocationLines(gpu.allocation, c)]);

  const parts = [title, table.toString()];
  if (options.verbose && gpu.memory) parts.push(renderMemory(gpu.memory, c));
  return parts.join('\n');
}

function driverLine(gpu: GpuReport): string {
  const id = gpu.identity;
  const name = id.driverName ?? 'driver';
  const info = id.driverInfo && id.driverInfo !== id.driverVersion ? ` (${id.driverInfo})` : '';
  return `${name} ${id.driverVersion}${info}`;
}

function exportLine(support: RdmaExportSupport | null, c: ChalkInstance): string {
  if (!support) return c.dim('n/a (extension absent)');
  if (!support.exportable) return c.red('not exportable');
  return c.green('exportable') + (support.dedicatedOnly ? ', dedicated allocation only' : '');
}

function rdmaTypesLine(gpu: GpuReport, c: ChalkInstance): string {
  if (!gpu.memory) return c.dim('unknown');
  if (gpu.rdmaMemoryTypes.length === 0) {
    return `${c.red('none')} of ${plural(gpu.memory.types.length, 'type')}`;
  }
  return gpu.rdmaMemoryTypes
    .map((type) => {
      const budget =
        type.heapBudget === null
          ? 'budget unknown'
          : `budget ${formatBytes(type.heapBudget)}, used ${formatBytes(type.heapUsage ?? 0)}`;
      return `type ${type.typeIndex} on heap ${type.heapIndex} (${formatBytes(type.heapSize)}, ${budget})`;
    })
    .join('\n');
}

function verdictLines(gpu: GpuReport, c: ChalkInstance): string {
  const lines =
    gpu.verdict.rdma === 'capable'
      ? [c.green('capable')]
      : [c.red('not-capable'), ...gpu.verdict.reasons.map((r) => `- ${r.code}: ${r.message}`)];
  // The NIC caveat is repeated under a successful allocation, where it matters most.
  const notes = gpu.verdict.notes.filter(
    (note) => !(note.code === 'nic-reach-unproven' && gpu.allocation?.status === 'ok'),
  );
  for (const note of notes) lines.push(c.dim(`note: ${note.message}`));
  return lines.join('\n');
}

function allocationLines(allocation: AllocationReport, c: ChalkInstance): string {
  const requested = `${formatBytes(allocation.requestedSize)} requested`;
  if (allocation.status === 'skipped') {
    return `${c.yellow('skipped')}: ${allocation.failure?.message ?? ''}`;
  }
  if (allocation.status === 'failed') {
    const failure = allocation.failure!;
    const result = failure.result ? ` (${failure.result})` : '';
    return `${c.red('failed')} at ${failure.step}${result}: ${failure.message}\n${requested}`;
  }
  const lines = [
    `${c.green('remote address')} ${c.bold(allocation.remoteAddress ?? '')}`,
    `${requested}, ${allocation.actualSize} bytes allocated (alignment ${allocation.alignment})`,
    `memory type ${allocation.memoryTypeIndex}, heap ${allocation.heapIndex}` +
      (allocation.dedicated ? ', dedicated' : ''),
  ];
  if (allocation.timings) {
    const t = allocation.timings;
    lines.push(
      `${t.totalMs.toFixed(2)} ms: device ${t.createDeviceMs.toFixed(2)}, allocate ${t.allocateMs.toFixed(2)}, ` +
        `address ${t.remoteAddressMs.toFixed(2)}, free ${t.freeMs.toFixed(2)}`,
    );
  }
  lines.push(c.dim(`note: ${allocation.note}`));
  return lines.join('\n');
}

function renderMemory(memory: MemoryReport, c: ChalkInstance): string {
  const heaps = new Table({
    head: ['Heap', 'Size', 'Budget', 'Usage', 'Flags'],
    chars: COMPACT_ROWS,
    style: { head: options(c), border: [] },
  });
  for (const heap of memory.heaps) {
    heaps.push([
      String(heap.index),
      formatBytes(heap.size),
      heap.budget === null ? 'n/a' : formatBytes(heap.budget),
      heap.usage === null ? 'n/a' : formatBytes(heap.usage),
      heap.flags.join(' ') || '-',
    ]);
  }
  const types = new Table({
    head: ['Type', 'Heap', 'RDMA', 'Flags'],
    colWidths: [6, 6, 6, 76],
    wordWrap: true,
    chars: COMPACT_ROWS,
    style: { head: options(c), border: [] },
  });
  for (const type of memory.types) {
    types.push([
      String(type.index),
      String(type.heapIndex),
      type.rdmaCapable ? c.green('yes') : 'no',
      type.flags.join(' ') || '-',
    ]);
  }
  return `Memory heaps\n${heaps.toString()}\nMemory types\n${types.toString()}`;
}

/** cli-table3 colours headers itself; give it none when colour is off. */
function options(c: ChalkInstance): string[] {
  return c.level > 0 ? ['cyan'] : [];
}
