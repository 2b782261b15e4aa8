/**
 * `rdma-probe check`: judges a probe against the rules an operator asked for. Pure: the
 * probe has already run (with --device and --alloc applied); this only reads its report.
 */
import { gpuViews, type GpuView } from '../gpu-view.js';
import { noGpuMatches, type DeviceSelector } from '../probe/select.js';
import type { GpuReport, HostReport, ListReport } from '../list-report.js';
import type {
  CheckJudgement,
  CheckProblem,
  CheckReasonCode,
  CheckRuleResult,
  CheckTargetResult,
} from './check-report.js';
import { compareVersions, parseVersion, type VersionParts } from './version.js';

export interface CheckRules {
  /** --device: the GPU(s) judged; a selector that matches nothing fails the check. */
  device: DeviceSelector | null;
  /** --gpus N: exactly N GPUs found, before --device selects. */
  gpuCount: number | null;
  /** --min-driver VERSION: the text as given and its parts. */
  minDriver: { text: string; parts: VersionParts } | null;
  /** --host-ready: the host's readiness is "ready", with no placement issue on a GPU judged. */
  hostReady: boolean;
  /** --alloc[=SIZE]: a test allocation of this many bytes succeeded on every GPU judged. */
  allocateBytes: bigint | null;
}

/** The probe to judge: its report (GPUs selected) and every GPU it found. */
export interface JudgedProbe {
  report: ListReport;
  found: readonly GpuReport[];
}

export function judgeCheck(probe: JudgedProbe, rules: CheckRules): CheckJudgement {
  const { report, found } = probe;
  const gpus = report.gpus;
  const judged: CheckRuleResult[] = [];
  if (rules.device) judged.push(deviceRule(rules.device, gpus, found));
  if (rules.gpuCount !== null) judged.push(gpuCountRule(rules.gpuCount, found));
  if (rules.minDriver) judged.push(minDriverRule(rules.minDriver, gpus));
  judged.push(rdmaCapableRule(gpus));
  if (rules.hostReady) judged.push(hostReadyRule(report.host, gpuViews(report)));
  if (rules.allocateBytes !== null) judged.push(allocRule(rules.allocateBytes, gpus));

  const problems: CheckProblem[] = judged.flatMap((rule) =>
    rule.results.filter((result) => !result.pass).map((result) => ({ rule: rule.id, ...result })),
  );
  return {
    status: problems.length === 0 ? 'ok' : 'fail',
    gpusFound: found.length,
    rules: judged,
    problems,
  };
}

function rule(
  id: CheckRuleResult['id'],
  requirement: string,
  parameter: CheckRuleResult['parameter'],
  results: CheckTargetResult[],
): CheckRuleResult {
  return { id, requirement, parameter, pass: results.every((r) => r.pass), results };
}

const pass = (target: Target, message: string): CheckTargetResult => ({
  ...target,
  pass: true,
  code: null,
  message,
});

const fail = (target: Target, code: string, message: string): CheckTargetResult => ({
  ...target,
  pass: false,
  code,
  message,
});

type Target = Pick<CheckTargetResult, 'gpuIndex' | 'pciBusId'>;

const HOST: Target = { gpuIndex: null, pciBusId: null };

function gpuTarget(gpu: GpuReport): Target {
  return { gpuIndex: gpu.index, pciBusId: gpu.identity.pciBusId };
}

const own = (code: CheckReasonCode) => code;

/** " (also: b, c)" for the codes after the first; '' when there is one. */
function also(codes: readonly string[]): string {
  return codes.length > 1 ? ` (also: ${codes.slice(1).join(', ')})` : '';
}

function deviceRule(
  selector: DeviceSelector,
  gpus: readonly GpuReport[],
  found: readonly GpuReport[],
): CheckRuleResult {
  const result =
    gpus.length > 0
      ? pass(HOST, `${selector.label} selects ${plural(gpus.length, 'GPU')}`)
      : fail(HOST, own('device-not-found'), noGpuMatches(selector, found));
  return rule('device', `${selector.label} matches a GPU`, selector.text, [result]);
}

function gpuCountRule(expected: number, found: readonly GpuReport[]): CheckRuleResult {
  const seen = found.length;
  const result =
    seen === expected
      ? pass(HOST, `${plural(seen, 'GPU')} found, as expected`)
      : fail(
          HOST,
          own('gpu-count-mismatch'),
          `${plural(seen, 'GPU')} found, expected ${expected}${seen < expected ? ' (a GPU may have fallen off the bus, or its driver failed)' : ''}`,
        );
  return rule('gpu-count', `exactly ${plural(expected, 'GPU')} found`, expected, [result]);
}

function minDriverRule(
  min: { text: string; parts: VersionParts },
  gpus: readonly GpuReport[],
): CheckRuleResult {
  const results = gpus.map((gpu) => {
    const version = gpu.identity.driverVersion;
    const parts = parseVersion(version);
    if (parts === null) {
      return fail(
        gpuTarget(gpu),
        own('driver-version-unknown'),
        `driver version '${version}' is not a dotted number: it cannot be compared with ${min.text}`,
      );
    }
    return compareVersions(parts, min.parts) >= 0
      ? pass(gpuTarget(gpu), `driver ${version} >= ${min.text}`)
      : fail(gpuTarget(gpu), own('driver-too-old'), `driver ${version} is older than ${min.text}`);
  });
  return rule('min-driver', `every GPU's driver is at least ${min.text}`, min.text, results);
}

function rdmaCapableRule(gpus: readonly GpuReport[]): CheckRuleResult {
  const results = gpus.map((gpu) => {
    const [first] = gpu.verdict.reasons;
    if (gpu.verdict.rdma === 'capable' || first === undefined) {
      return pass(gpuTarget(gpu), 'RDMA-capable');
    }
    const codes = gpu.verdict.reasons.map((reason) => reason.code);
    return fail(gpuTarget(gpu), first.code, `${first.message}${also(codes)}`);
  });
  return rule('rdma-capable', 'every GPU is RDMA-capable (the Vulkan verdict)', null, results);
}

function hostReadyRule(host: HostReport, views: readonly GpuView[]): CheckRuleResult {
  const { readiness } = host;
  const codes = readiness.issues.map((issue) => issue.code);
  const [first] = readiness.issues;
  const hostResult =
    readiness.ready === true
      ? pass(HOST, 'host ready')
      : first !== undefined
        ? fail(HOST, first.code, `${first.message}${also(codes)}`)
        : fail(HOST, own('host-readiness-unknown'), unknownReadiness(host));
  // A GPU's own placement (its nearest NIC on another NUMA node...) is part of the host too.
  const placement = views.map(({ gpu, topology }) => {
    const issues = topology?.issues ?? [];
    const [issue] = issues;
    return issue === undefined
      ? pass(gpuTarget(gpu), 'no placement issue')
      : fail(gpuTarget(gpu), issue.code, `${issue.message}${also(issues.map((i) => i.code))}`);
  });
  return rule(
    'host-ready',
    "the host's RDMA readiness is ready, with no placement issue on a GPU",
    null,
    [hostResult, ...placement],
  );
}

/** Which facts left the readiness unknown, as far as they are known here. */
function unknownReadiness(host: HostReport): string {
  const unread = [
    host.nvidiaModule.loaded === null && '/proc/driver/nvidia',
    host.peermem.loaded === null && 'the peermem module state',
    host.memoryPeers === null && '/sys/kernel/mm/memory_peers',
    host.rdmaDevices === null && '/sys/class/infiniband',
  ].filter((fact): fact is string => fact !== false);
  const which =
    unread.length > 0 ? `could not read ${unread.join(', ')}` : 'a host fact is unknown';
  return `host readiness is unknown: ${which}`;
}

function allocRule(bytes: bigint, gpus: readonly GpuReport[]): CheckRuleResult {
  const results = gpus.map((gpu) => {
    const allocation = gpu.allocation;
    if (allocation?.status === 'ok') {
      return pass(
        gpuTarget(gpu),
        `${allocation.actualSize ?? allocation.requestedSize} bytes allocated and exported, remote address ${allocation.remoteAddress}`,
      );
    }
    if (allocation?.status === 'skipped') {
      const why = allocation.failure?.message ?? 'skipped';
      return fail(gpuTarget(gpu), own('allocation-skipped'), `no test allocation: ${why}`);
    }
    const why = allocation?.failure?.message ?? 'no allocation was made';
    return fail(gpuTarget(gpu), own('allocation-failed'), `test allocation failed: ${why}`);
  });
  return rule(
    'alloc',
    `a test allocation of ${bytes} bytes succeeds on every GPU`,
    Number(bytes),
    results,
  );
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
