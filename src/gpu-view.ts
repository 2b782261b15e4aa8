/**
 * One GPU as the renderers and the check see it: its own facts, its place on the PCIe tree
 * and every host problem that applies to it. The list report keeps these apart, as its
 * published shape has them (gpus[], host.gpuTopology[] keyed by gpuIndex, and the host's
 * readiness); they are joined here, and nowhere else.
 */
import type { GpuReport, GpuTopology, HostReason, HostReport } from './list-report.js';

export interface GpuView {
  gpu: GpuReport;
  /** Its place on the PCIe tree; null when it has no PCI bus ID (no topology entry then). */
  topology: GpuTopology | null;
  /** Every host problem that applies to it: the host-wide ones, then its own placement's. */
  hostReasons: HostReason[];
}

/** What the views are made of: the GPUs, and the host facts keyed by their index. */
export interface ViewedReport {
  gpus: readonly GpuReport[];
  host: Pick<HostReport, 'gpuTopology' | 'readiness'>;
}

/** One view per GPU of the report, in its order. */
export function gpuViews(report: ViewedReport): GpuView[] {
  const hostWide = report.host.readiness.issues;
  return report.gpus.map((gpu) => {
    const topology = topologyOf(report.host.gpuTopology, gpu.index);
    return { gpu, topology, hostReasons: [...hostWide, ...(topology?.issues ?? [])] };
  });
}

/**
 * The rule that ties a GPU to its place: the topology entry whose gpuIndex is the GPU's
 * index. Generic, because `report` applies it to documents read back from other hosts
 * before their shape is known.
 */
export function topologyOf<T extends { gpuIndex?: unknown }>(
  topologies: readonly T[],
  gpuIndex: unknown,
): T | null {
  return topologies.find((topology) => topology.gpuIndex === gpuIndex) ?? null;
}
