/**
 * Helpers for the fleet report tests: host reports built by hand, and `rdma-probe report`
 * run in this process (no Vulkan is involved) or as a child (for inputs that could hang
 * or exhaust a process, where only a separate process with a time limit is a fair test).
 */
import { spawn } from 'node:child_process';
import { main } from '../../src/cli/main.js';
import { listReportJson } from '../../src/list-report-json.js';
import type { ListReport, ListReportJson } from '../../src/list-report.js';
import { cleanEnv } from './cli.js';
import { readyHost } from './host-fixtures.js';
import { cliPath } from './paths.js';
import { gpuReport, listReport } from './report-fixtures.js';
import { assertValidFleetReport, assertValidReport } from './schema.js';

export interface HostSpec {
  hostname: string;
  generatedAt?: string;
  gpus?: number;
  capable?: boolean;
  driverVersion?: string;
}

/** When hostReport's reports are dated, unless a spec says otherwise. */
export const FIXTURE_TIME = '2026-01-01T00:00:00.000Z';
/** The clock runReport gives `report` unless told otherwise: an hour after FIXTURE_TIME. */
export const REPORT_NOW = '2026-01-01T01:00:00.000Z';

/** A host's list report, as `list` would have collected it there. */
export function hostModel(spec: HostSpec): ListReport {
  const gpus = Array.from({ length: spec.gpus ?? 2 }, (_, index) =>
    gpuReport({
      index,
      identity: { driverVersion: spec.driverVersion ?? '580.159.04' },
      ...(spec.capable === false
        ? {
            extensions: {
              count: 238,
              externalMemoryRDMA: false,
              memoryBudget: true,
              pciBusInfo: true,
            },
            rdmaExport: null,
            features: { externalMemoryRDMA: null },
          }
        : {}),
    }),
  );
  const report = listReport(gpus);
  report.host = readyHost(spec.hostname, gpus);
  report.generatedAt = spec.generatedAt ?? FIXTURE_TIME;
  return report;
}

/** A host's `list --json` document, as it would have written it. */
export function hostReport(spec: HostSpec): ListReportJson {
  const doc = listReportJson(hostModel(spec));
  assertValidReport(doc);
  return doc;
}

export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export interface ReportRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface ReportClock {
  /** What the clock reads (REPORT_NOW when absent), as an ISO 8601 time. */
  now?: string;
}

/**
 * `rdma-probe report ARGS` in this process, stdin fed from `input` (chunks or one), the
 * clock fixed at `clock.now`: the report's generatedAt, and what hosts' ages are judged by.
 */
export async function runReport(
  args: string[],
  input?: string | Uint8Array | Iterable<Uint8Array | string>,
  clock: ReportClock = {},
): Promise<ReportRun> {
  let stdout = '';
  let stderr = '';
  const chunks =
    input === undefined
      ? []
      : typeof input === 'string' || input instanceof Uint8Array
        ? [input]
        : input;
  const exitCode = await main(['node', 'rdma-probe', 'report', ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: cleanEnv(),
    stdin: (async function* () {
      yield* chunks;
    })(),
    now: () => new Date(clock.now ?? REPORT_NOW),
  });
  return { exitCode, stdout, stderr };
}

/** `report ARGS --json` in this process; the output is checked against its schema. */
export async function fleetJson(
  args: string[],
  input?: Parameters<typeof runReport>[1],
  clock?: ReportClock,
) {
  const result = await runReport([...args, '--json'], input, clock);
  const fleet = JSON.parse(result.stdout);
  assertValidFleetReport(fleet);
  return { result, fleet };
}

/**
 * `rdma-probe report ARGS` as a child process that is killed after `timeoutMs`: a hang
 * fails the test (signal SIGKILL, timedOut) instead of blocking the suite.
 */
export function spawnReport(
  args: string[],
  options: { timeoutMs: number; stdin?: 'ignore' | number },
): Promise<ReportRun & { timedOut: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cliPath, 'report', ...args], {
      env: cleanEnv(),
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}
