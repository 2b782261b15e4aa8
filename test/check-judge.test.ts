/**
 * check's pure parts: version comparison, judging a report against the rules, and the
 * one line (its cap, its escaping), on hand-built reports.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckJudgement, CheckProblem } from '../src/check/check-report.js';
import { judgeCheck, type CheckRules } from '../src/check/judge.js';
import { compareVersions, parseVersion } from '../src/check/version.js';
import { parseCheckRules } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';
import { fitLine, renderCheckLine, renderUnknownLine } from '../src/render/check-line.js';
import type { GpuReport, ListReport } from '../src/list-report.js';
import {
  extensionMissingGpu,
  gpuReport,
  okAllocation,
  listReport,
} from './support/report-fixtures.js';

const NO_RULES: CheckRules = {
  device: null,
  gpuCount: null,
  minDriver: null,
  hostReady: false,
  allocateBytes: null,
};

function judge(report: ListReport, rules: Partial<CheckRules> = {}, found?: GpuReport[]) {
  return judgeCheck({ report, found: found ?? report.gpus }, { ...NO_RULES, ...rules });
}

const version = (text: string) => {
  const parts = parseVersion(text);
  assert.ok(parts, text);
  return parts;
};

describe('versions', () => {
  test('compared part by part as numbers: 575.64 < 575.64.05 < 580.159.04, 580.9 < 580.10', () => {
    const ordered = [
      '0',
      '9.999',
      '575',
      '575.64',
      '575.64.05',
      '575.64.6',
      '580.9',
      '580.10',
      '580.159.04',
      '1000',
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const got = Math.sign(compareVersions(version(ordered[i]!), version(ordered[j]!)));
        assert.equal(got, Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
      }
    }
  });

  test('leading zeros and missing parts do not matter; long parts compare exactly', () => {
    assert.equal(compareVersions(version('580.159.04'), version('580.159.4')), 0);
    assert.equal(compareVersions(version('580'), version('580.0.0')), 0);
    assert.equal(compareVersions(version('007'), version('7')), 0);
    const big = '123456789012345678901234567890';
    assert.ok(compareVersions(version(`${big}1`), version(`${big}0`)) > 0);
    assert.ok(compareVersions(version(big), version(`9${big.slice(1)}`)) < 0);
  });

  test('only digits separated by single dots', () => {
    for (const bad of [
      '',
      '.',
      '580.',
      '.580',
      '580..1',
      'v580',
      '580-1',
      '580.1a',
      ' 580',
      '5'.repeat(65),
      '١٢',
    ]) {
      assert.equal(parseVersion(bad), null, JSON.stringify(bad));
    }
  });
});

describe('rules from the options', () => {
  test('each option becomes its rule; bad values are usage errors', () => {
    const rules = parseCheckRules({
      gpus: '8',
      minDriver: ' 580.65 ',
      hostReady: true,
      alloc: true,
      device: '0',
    });
    assert.equal(rules.gpuCount, 8);
    assert.deepEqual(rules.minDriver, { text: '580.65', parts: ['580', '65'] });
    assert.equal(rules.hostReady, true);
    assert.equal(rules.allocateBytes, 1n << 20n);
    assert.equal(rules.device?.kind, 'index');
    assert.deepEqual(parseCheckRules({}), NO_RULES);
    for (const options of [
      { gpus: '0' },
      { gpus: '1.5' },
      { gpus: '-1' },
      { minDriver: '1.x' },
      { alloc: '0' },
      { device: '?' },
    ]) {
      assert.throws(() => parseCheckRules(options), UsageError, JSON.stringify(options));
    }
  });
});

describe('judging', () => {
  test('nothing but the default rule, every GPU capable: ok', () => {
    const judgement = judge(listReport([gpuReport({ index: 0 }), gpuReport({ index: 1 })]));
    assert.equal(judgement.status, 'ok');
    assert.deepEqual(judgement.problems, []);
    assert.deepEqual(
      judgement.rules.map((rule) => rule.id),
      ['rdma-capable'],
    );
    assert.equal(renderCheckLine(judgement), 'OK: 2 GPUs: RDMA-capable');
  });

  test('a driver version that is not a dotted number fails --min-driver, never passes it', () => {
    const gpu = gpuReport({ identity: { driverVersion: 'unknown' } });
    const judgement = judge(listReport([gpu]), { minDriver: { text: '1', parts: ['1'] } });
    assert.equal(judgement.problems[0]?.code, 'driver-version-unknown');
  });

  test('--host-ready with a readiness that is unknown fails, naming what could not be read', () => {
    const report = listReport([gpuReport()]);
    report.host.readiness = { ready: null, issues: [], notes: [] };
    report.host.rdmaDevices = null;
    const [problem] = judge(report, { hostReady: true }).problems;
    assert.equal(problem?.code, 'host-readiness-unknown');
    assert.equal(problem?.gpuIndex, null);
    assert.match(problem!.message, /could not read \/sys\/class\/infiniband/);
  });

  test('--alloc: ok, failed and (never expected) missing allocations', () => {
    const ok = gpuReport({ index: 0, allocation: okAllocation() });
    const failed = gpuReport({
      index: 1,
      allocation: {
        ...okAllocation(),
        status: 'failed',
        remoteAddress: null,
        failure: {
          step: 'vkAllocateMemory',
          result: 'VK_ERROR_OUT_OF_DEVICE_MEMORY',
          message: 'vkAllocateMemory failed: VK_ERROR_OUT_OF_DEVICE_MEMORY',
        },
      },
    });
    const missing = gpuReport({ index: 2, allocation: null });
    const judgement = judge(listReport([ok, failed, missing]), { allocateBytes: 1n << 20n });
    assert.deepEqual(
      judgement.problems.map((p) => [p.gpuIndex, p.code]),
      [
        [1, 'allocation-failed'],
        [2, 'allocation-failed'],
      ],
    );
    assert.equal(
      judgement.rules[1]?.results[0]?.message,
      '2097152 bytes allocated and exported, remote address 0x7f0000001000',
    );
  });

  test('--gpus counts what was found, not what --device selected', () => {
    const found = [gpuReport({ index: 0 }), gpuReport({ index: 1 })];
    const report = listReport([found[1]!]);
    assert.equal(judge(report, { gpuCount: 2 }, found).status, 'ok');
    assert.equal(judge(report, { gpuCount: 1 }, found).problems[0]?.code, 'gpu-count-mismatch');
  });

  test('problems: rule by rule, GPUs in order; the line shows the first and counts the rest', () => {
    const gpus = [extensionMissingGpu(0), gpuReport({ index: 1 }), extensionMissingGpu(2)];
    const judgement = judge(listReport(gpus), { minDriver: { text: '999', parts: ['999'] } });
    assert.deepEqual(
      judgement.problems.map((p) => [p.rule, p.gpuIndex]),
      [
        ['min-driver', 0],
        ['min-driver', 1],
        ['min-driver', 2],
        ['rdma-capable', 0],
        ['rdma-capable', 2],
      ],
    );
    assert.equal(
      renderCheckLine(judgement),
      'FAIL: GPU 0 00000000:06:00.0: driver-too-old: driver 580.159.04 is older than 999; 4 more',
    );
  });
});

function failing(message: string, more = 0): CheckJudgement {
  const problem: CheckProblem = {
    rule: 'rdma-capable',
    gpuIndex: 3,
    pciBusId: '00000000:4F:00.0',
    pass: false,
    code: 'probe-failed',
    message,
  };
  return {
    status: 'fail',
    gpusFound: more + 1,
    rules: [],
    problems: Array.from({ length: more + 1 }, () => problem),
  };
}

describe('the line', () => {
  const bytes = (text: string) => Buffer.byteLength(text);

  test('control characters, line breaks and bidi overrides from drivers are escaped', () => {
    const line = renderCheckLine(failing('GPU\u001b]0;x\u0007 lost\r\nOK: fake\u202e line\u0085'));
    assert.equal(
      line,
      'FAIL: GPU 3 00000000:4F:00.0: probe-failed: GPU\\x1b]0;x\\x07 lost OK: fake\\u202e line\\x85',
    );
    assert.equal(renderUnknownLine('no\ndriver\u009b2J'), 'UNKNOWN: no\\ndriver\\x9b2J');
  });

  test('at most 200 bytes: the message is cut with an ellipsis, "; N more" is kept', () => {
    const line = renderCheckLine(failing('x'.repeat(500), 12345));
    assert.equal(bytes(line), 200);
    assert.ok(line.endsWith('x…; 12345 more'), line);
  });

  test('multi-byte characters are never split; 200 bytes is also at most 200 characters', () => {
    for (const filler of ['é', '中', '🙂', 'a中🙂é']) {
      for (let length = 100; length < 140; length++) {
        const line = renderCheckLine(failing(filler.repeat(length), 3));
        assert.ok(bytes(line) <= 200, `${filler} x ${length}: ${bytes(line)} bytes`);
        assert.ok([...line].length <= 200);
        assert.ok(!line.includes('\ufffd'), 'a character was split');
        assert.ok(line.endsWith('; 3 more'));
      }
    }
  });

  test('a line that fits is left whole; escapes count at their escaped length', () => {
    assert.equal(fitLine('OK: fine'), 'OK: fine');
    const escaped = renderUnknownLine('\u0001'.repeat(60));
    assert.ok(bytes(escaped) <= 200);
    assert.match(escaped, /^UNKNOWN: (\\x01)+\\?x?0?…$/);
  });
});
