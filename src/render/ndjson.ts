/** `--ndjson`: one JSON line per GPU, the host fields repeated, for log pipelines. */
import { gpuViews } from '../gpu-view.js';
import { gpuJson, hostJson, topologyJson } from '../list-report-json.js';
import type { ListReport, ListReportLine } from '../list-report.js';

export function reportLines(report: ListReport): ListReportLine[] {
  // The topology goes with each GPU's own line rather than repeated whole on every line.
  const { gpuTopology, ...host } = hostJson(report.host);
  return gpuViews(report).map(({ gpu, topology, hostReasons }) => ({
    schemaVersion: report.schemaVersion,
    kind: 'gpu',
    tool: report.tool,
    generatedAt: report.generatedAt,
    durationMs: report.durationMs,
    host,
    loader: report.loader,
    gpuCount: report.gpus.length,
    gpu: gpuJson(gpu),
    topology: topology && topologyJson(topology),
    hostReasons,
  }));
}

export function renderNdjson(report: ListReport): string {
  return reportLines(report)
    .map((line) => `${JSON.stringify(line)}\n`)
    .join('');
}
