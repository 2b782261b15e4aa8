/**
 * `rdma-probe check`: probes, judges the rules asked for, prints one line (or --json) and
 * returns 0 or 1. Anything that stops the judgement is thrown, and main()'s one handler
 * turns it into the UNKNOWN line and its exit code (see checkExitCodeOf).
 */
import { judgeCheck, type CheckRules } from '../check/judge.js';
import { parseVersion } from '../check/version.js';
import { ExitCode, UsageError } from '../errors.js';
import { collectReport } from '../collect.js';
import { parseDeviceSelector } from '../probe/select.js';
import { describeProblem } from '../render/check-line.js';
import { renderCheckOutput } from '../render/check-output.js';
import { TOOL_VERSION } from '../version.js';
import { collectDeps } from './collect-deps.js';
import type { CliDeps, CliIo } from './io.js';
import { DEFAULT_ALLOC_BYTES, parseSize } from './size.js';
import { formatValidationMessage } from './validation-message.js';

export interface CheckOptions {
  device?: string;
  gpus?: string;
  hostReady?: boolean;
  alloc?: string | true;
  minDriver?: string;
  validate?: boolean;
  json?: boolean;
}

/** The most GPUs --gpus accepts: the probe enumerates at most 4096. */
export const MAX_GPU_COUNT = 4096;

export function parseCheckRules(options: CheckOptions): CheckRules {
  return {
    device: options.device !== undefined ? parseDeviceSelector(options.device) : null,
    gpuCount: options.gpus !== undefined ? parseGpuCount(options.gpus) : null,
    minDriver: options.minDriver !== undefined ? parseMinDriver(options.minDriver) : null,
    hostReady: options.hostReady === true,
    allocateBytes:
      options.alloc === undefined
        ? null
        : options.alloc === true
          ? DEFAULT_ALLOC_BYTES
          : parseSize(options.alloc),
  };
}

function parseGpuCount(text: string): number {
  const count = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_GPU_COUNT) {
    throw new UsageError(`--gpus '${text}' is not a GPU count from 1 to ${MAX_GPU_COUNT}`);
  }
  return count;
}

function parseMinDriver(text: string): { text: string; parts: readonly string[] } {
  const trimmed = text.trim();
  const parts = parseVersion(trimmed);
  if (parts === null) {
    throw new UsageError(
      `--min-driver '${text}' is not a version: digits separated by dots (examples: 580, 575.64.05)`,
    );
  }
  return { text: trimmed, parts };
}

export async function runCheck(options: CheckOptions, io: CliIo, deps: CliDeps): Promise<number> {
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
  const exitCode = judgement.status === 'ok' ? ExitCode.OK : ExitCode.CHECK_FAILED;
  // The details: every problem, whole, one escaped line each; the line shows the first.
  for (const problem of judgement.problems) {
    io.stderr.write(`rdma-probe: check ${problem.rule}: ${describeProblem(problem)}\n`);
  }
  io.stdout.write(
    renderCheckOutput(judgement, probed.report, {
      json: options.json === true,
      toolVersion: TOOL_VERSION,
      exitCode,
    }),
  );
  return exitCode;
}
