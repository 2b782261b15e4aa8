/**
 * What `check` prints on stdout: its one line, or with --json one document (CheckReport)
 * that carries the same line. Pure.
 */
import {
  CHECK_SCHEMA_VERSION,
  type CheckJudgement,
  type CheckReport,
} from '../check/check-report.js';
import { listReportJson } from '../list-report-json.js';
import type { ListReport } from '../list-report.js';
import { renderCheckLine, renderUnknownLine } from './check-line.js';

export interface CheckOutputOptions {
  json: boolean;
  toolVersion: string;
  exitCode: number;
}

/** The rules were judged: OK or FAIL. */
export function renderCheckOutput(
  judgement: CheckJudgement,
  report: ListReport,
  options: CheckOutputOptions,
): string {
  const line = renderCheckLine(judgement);
  if (!options.json) return `${line}\n`;
  const doc: CheckReport = {
    schemaVersion: CHECK_SCHEMA_VERSION,
    kind: 'check',
    tool: { name: 'rdma-probe', version: options.toolVersion },
    generatedAt: report.generatedAt,
    status: judgement.status,
    exitCode: options.exitCode,
    line,
    gpusFound: judgement.gpusFound,
    gpusSelected: report.gpus.map((gpu) => gpu.index),
    rules: judgement.rules,
    problems: judgement.problems,
    error: null,
    report: listReportJson(report),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Nothing could be judged: UNKNOWN, with why (exact in JSON, escaped in the line). */
export function renderCheckUnknown(
  why: string,
  options: CheckOutputOptions & { generatedAt: Date },
): string {
  const line = renderUnknownLine(why);
  if (!options.json) return `${line}\n`;
  const doc: CheckReport = {
    schemaVersion: CHECK_SCHEMA_VERSION,
    kind: 'check',
    tool: { name: 'rdma-probe', version: options.toolVersion },
    generatedAt: options.generatedAt.toISOString(),
    status: 'unknown',
    exitCode: options.exitCode,
    line,
    gpusFound: null,
    gpusSelected: [],
    rules: [],
    problems: [],
    error: { message: why },
    report: null,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
