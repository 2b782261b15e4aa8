/**
 * The list report as its JSON has it: every note written as its message, as schemaVersion
 * 1 published it and its readers (dashboards, `rdma-probe report`, jq scripts) parse it.
 * The codes stay in the report for the code that reads notes; adding them to the JSON
 * would change a published document for no reader that asked.
 *
 * Only the notes change: each object keeps its own keys in their order, so the document
 * is the one the report's fields describe.
 */
import type {
  GpuReport,
  GpuReportJson,
  GpuTopology,
  GpuTopologyJson,
  HostReport,
  HostReportJson,
  ListReport,
  ListReportJson,
} from './list-report.js';

export function listReportJson(report: ListReport): ListReportJson {
  return { ...report, host: hostJson(report.host), gpus: report.gpus.map(gpuJson) };
}

export function hostJson(host: HostReport): HostReportJson {
  return {
    ...host,
    gpuTopology: host.gpuTopology.map(topologyJson),
    readiness: { ...host.readiness, notes: messages(host.readiness.notes) },
  };
}

export function gpuJson(gpu: GpuReport): GpuReportJson {
  return { ...gpu, verdict: { ...gpu.verdict, notes: messages(gpu.verdict.notes) } };
}

export function topologyJson(topology: GpuTopology): GpuTopologyJson {
  return { ...topology, notes: messages(topology.notes) };
}

function messages(notes: readonly { message: string }[]): string[] {
  return notes.map((note) => note.message);
}
