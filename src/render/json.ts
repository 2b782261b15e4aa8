/** `--json`: the report itself, one document, nothing else on stdout. */
import type { ProbeReport } from '../report.js';

export function renderJson(report: ProbeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
