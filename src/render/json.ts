/** `--json`: the report, one document, nothing else on stdout; notes as their messages. */
import { listReportJson } from '../list-report-json.js';
import type { ListReport } from '../list-report.js';

export function renderJson(report: ListReport): string {
  return `${JSON.stringify(listReportJson(report), null, 2)}\n`;
}
