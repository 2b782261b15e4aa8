/**
 * `rdma-probe check`: probes, judges the rules asked for, prints one line (or --json) and
 * returns whether the rules hold. Anything that stops the judgement is thrown, and
 * main()'s one handler turns it into the UNKNOWN line (exit-code.ts gives its code).
 */
import { judgeCheck } from '../check/judge.js';
import { collectReport } from '../collect.js';
import { describeProblem } from '../render/check-line.js';
import { renderCheckOutput } from '../render/check-output.js';
import { TOOL_VERSION } from '../version.js';
import { collectDeps } from './collect-deps.js';
import { exitCodeOf, type Outcome } from './exit-code.js';
import type { CliDeps, CliIo } from './io.js';
import { parseCheckRules, type CheckOptions } from './options.js';
import { formatValidationMessage } from './validation-message.js';

export async function runCheck(options: CheckOptions, io: CliIo, deps: CliDeps): Promise<Outcome> {
  const rules = parseCheckRules(options);
  const binding = await deps.loadBinding(io.env);
  const probed = collectReport(collectDeps(binding, io), {
    toolVersion: TOOL_VERSION,
    device: rules.device,
    validate: options.validate === true,
    allocateBytes: rules.allocateBytes,
    onValidationMessage: (message) => io.stderr.write(formatValidationMessage(message)),
  });
  const judgement = judgeCheck(probed, rules);
  const outcome: Outcome = { kind: judgement.status === 'ok' ? 'check-passed' : 'check-failed' };
  // The details: every problem, whole, one escaped line each; the line shows the first.
  for (const problem of judgement.problems) {
    io.stderr.write(`rdma-probe: check ${problem.rule}: ${describeProblem(problem)}\n`);
  }
  io.stdout.write(
    renderCheckOutput(judgement, probed.report, {
      json: options.json === true,
      toolVersion: TOOL_VERSION,
      // The document names the exit code the run is about to end with.
      exitCode: exitCodeOf(outcome),
    }),
  );
  return outcome;
}
