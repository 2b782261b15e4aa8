/** `--json`: the report itself, one document, nothing else on stdout. */
import type { ListReport } from '../list-report.js';

export function renderJson(report: ListReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
