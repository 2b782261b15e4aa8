/**
 * `check`'s one line, in the form health checkers show as it is: `OK: <summary>`,
 * `FAIL: <first problem>[; N more]` or `UNKNOWN: <why>`. Never more than 200 bytes of
 * UTF-8 (so never more than 200 characters either: node-problem-detector cuts its
 * max_output_length in bytes), never a line break, no colour, every string from a
 * driver or the host escaped. Pure.
 */
import type { CheckJudgement, CheckProblem, CheckRuleResult } from '../check/check-report.js';
import { formatBytes, plural } from './format.js';
import { terminalSafe } from './terminal-text.js';

export const MAX_CHECK_LINE_BYTES = 200;

const ELLIPSIS = '…';

/** The line for a judgement (no trailing newline). */
export function renderCheckLine(judgement: CheckJudgement): string {
  const [first, ...rest] = judgement.problems;
  if (first === undefined) return fitLine(`OK: ${okSummary(judgement)}`);
  return fitLine(`FAIL: ${describeProblem(first)}`, rest.length > 0 ? `; ${rest.length} more` : '');
}

export function renderUnknownLine(why: string): string {
  return fitLine(`UNKNOWN: ${terminalSafe(why)}`);
}

/** "GPU 0 00000000:06:00.0: extension-missing: the driver does not..." (escaped). */
export function describeProblem(problem: CheckProblem): string {
  return `${describeTarget(problem)}: ${terminalSafe(problem.code ?? 'failed')}: ${terminalSafe(oneLine(problem.message))}`;
}

function describeTarget(target: Pick<CheckProblem, 'gpuIndex' | 'pciBusId'>): string {
  if (target.gpuIndex === null) return 'host';
  const pci = target.pciBusId === null ? '' : ` ${terminalSafe(target.pciBusId)}`;
  return `GPU ${target.gpuIndex}${pci}`;
}

function okSummary(judgement: CheckJudgement): string {
  const judged = judgement.rules.find((rule) => rule.id === 'rdma-capable')?.results ?? [];
  const subject =
    judged.length === 1 && judged[0] ? describeTarget(judged[0]) : plural(judged.length, 'GPU');
  return `${subject}: ${judgement.rules.map(okPhrase).join(', ')}`;
}

function okPhrase(rule: CheckRuleResult): string {
  switch (rule.id) {
    case 'device':
      return `--device ${terminalSafe(String(rule.parameter))}`;
    case 'gpu-count':
      return `${plural(Number(rule.parameter), 'GPU')} found as expected`;
    case 'min-driver':
      return `driver >= ${terminalSafe(String(rule.parameter))}`;
    case 'rdma-capable':
      return 'RDMA-capable';
    case 'host-ready':
      return 'host ready';
    case 'alloc':
      return `${formatBytes(Number(rule.parameter))} test allocation`;
  }
}

/**
 * `head` + `tail`, within MAX_CHECK_LINE_BYTES: when too long, `head` is cut (never inside
 * a character) and ends with an ellipsis; `tail` (the "; N more") is always kept whole.
 */
export function fitLine(head: string, tail = ''): string {
  const flat = oneLine(head);
  const budget = MAX_CHECK_LINE_BYTES - utf8Length(tail);
  if (utf8Length(flat) <= budget) return flat + tail;
  let kept = '';
  let used = utf8Length(ELLIPSIS);
  for (const character of flat) {
    const size = utf8Length(character);
    if (used + size > budget) break;
    kept += character;
    used += size;
  }
  return kept.trimEnd() + ELLIPSIS + tail;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Escaped text has no line breaks; this keeps any other whitespace run to one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}
