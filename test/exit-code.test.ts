/**
 * Every outcome a run can come to and the exit code it is documented with. The contract
 * is README.md's exit code table: each case names the words of the row that documents it,
 * so a code that moves, or a row that changes its meaning, fails here. Then the same codes
 * through main(), for every kind of error a command can throw, under `list` and `check`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { exitCodeOf, type Outcome } from '../src/cli/exit-code.js';
import type { CliIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { EnvironmentError, UsageError } from '../src/errors.js';
import { NotRegularFileError } from '../src/output/output-target.js';
import {
  DriverOutputError,
  MissingEntryPointError,
  VulkanCallError,
} from '../src/vulkan/driver-errors.js';
import { repoRoot } from './support/paths.js';

const VK_ERROR_DEVICE_LOST = -4;

/** README's "## Exit codes" table: code -> its row's text. */
function readmeExitCodes(): Map<number, string> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = /^## Exit codes\n([\s\S]*?)(?=^## )/m.exec(readme);
  assert.ok(section, 'README.md has an "## Exit codes" section');
  const rows = new Map<number, string>();
  for (const match of section[1]!.matchAll(/^\| (\d+) +\| (.*?) *\|$/gm)) {
    rows.set(Number(match[1]), match[2]!);
  }
  return rows;
}

type ErrorKind = 'usage' | 'environment' | 'vulkan' | 'bug';

/** Errors of every kind a command can throw. */
const ERRORS: { name: string; error: unknown; kind: ErrorKind }[] = [
  { name: 'UsageError', error: new UsageError('bad'), kind: 'usage' },
  { name: 'EnvironmentError', error: new EnvironmentError('no loader'), kind: 'environment' },
  { name: 'NotRegularFileError', error: new NotRegularFileError('a FIFO'), kind: 'environment' },
  {
    name: 'VulkanCallError',
    error: new VulkanCallError('vkCreateInstance', VK_ERROR_DEVICE_LOST),
    kind: 'vulkan',
  },
  {
    name: 'MissingEntryPointError',
    error: new MissingEntryPointError('vkGetInstanceProcAddr', 'vkCreateDevice'),
    kind: 'vulkan',
  },
  {
    name: 'DriverOutputError',
    error: new DriverOutputError('vkEnumeratePhysicalDevices', 'never settled'),
    kind: 'vulkan',
  },
  { name: 'a bug (Error)', error: new Error('oops'), kind: 'bug' },
  { name: 'a bug (TypeError)', error: new TypeError('x is undefined'), kind: 'bug' },
  { name: 'a bug (a thrown string)', error: 'thrown', kind: 'bug' },
];

/** Each kind of error: its code and README's words for it, elsewhere and under `check`. */
const ERROR_CODES: Record<
  ErrorKind,
  { code: number; readme: [number, RegExp]; check: number; checkReadme: [number, RegExp] }
> = {
  usage: {
    code: 2,
    readme: [2, /usage error/],
    check: 2,
    checkReadme: [2, /usage error/],
  },
  environment: {
    code: 3,
    readme: [3, /no Vulkan loader .*another environment problem/],
    check: 3,
    checkReadme: [3, /no Vulkan loader/],
  },
  vulkan: {
    code: 4,
    readme: [4, /a Vulkan call failed unexpectedly/],
    check: 3,
    checkReadme: [4, /`check` reports it as 3/],
  },
  bug: {
    code: 1,
    readme: [1, /internal error: a bug \(the only case that prints a stack trace\)/],
    check: 3,
    checkReadme: [1, /a bug in `check` is 3/],
  },
};

interface Case {
  what: string;
  outcome: Outcome;
  code: number;
  /** README's row that documents this outcome (usually the code's own) and its words. */
  readme: [number, RegExp];
}

const CASES: Case[] = [
  { what: 'help or version', outcome: { kind: 'help' }, code: 0, readme: [0, /the probe ran/] },
  {
    what: 'list probed, whatever the verdicts',
    outcome: { kind: 'done' },
    code: 0,
    readme: [0, /the probe ran, whatever the verdicts/],
  },
  {
    what: 'report read a host',
    outcome: { kind: 'done' },
    code: 0,
    readme: [0, /`report`: at least one host was read/],
  },
  {
    what: 'an allocation failed or was skipped',
    outcome: { kind: 'allocation-failed' },
    code: 5,
    readme: [5, /`--alloc` was requested and failed, or was skipped/],
  },
  {
    what: 'no host read',
    outcome: { kind: 'no-hosts-read' },
    code: 6,
    readme: [6, /`report`: no host report could be read/],
  },
  {
    what: 'check: every rule holds',
    outcome: { kind: 'check-passed' },
    code: 0,
    readme: [0, /`check`: every rule holds/],
  },
  {
    what: 'check: a rule does not hold',
    outcome: { kind: 'check-failed' },
    code: 1,
    readme: [1, /`check`: a rule does not hold \(FAIL/],
  },
  {
    what: 'a command line commander refused',
    outcome: { kind: 'usage' },
    code: 2,
    readme: [2, /usage error \(unknown option or command, no command/],
  },
  ...ERRORS.flatMap(({ name, error, kind }): Case[] => {
    const { code, readme, check, checkReadme } = ERROR_CODES[kind];
    return [
      { what: `list: ${name}`, outcome: { kind: 'error', error, check: false }, code, readme },
      {
        what: `check: ${name}`,
        outcome: { kind: 'error', error, check: true },
        code: check,
        readme: checkReadme,
      },
    ];
  }),
];

/** Fails to compile when an outcome is added without being listed here. */
const EVERY_KIND: Record<Outcome['kind'], true> = {
  help: true,
  done: true,
  'allocation-failed': true,
  'no-hosts-read': true,
  'check-passed': true,
  'check-failed': true,
  usage: true,
  error: true,
};

describe('exit codes', () => {
  test('every outcome has its documented code', () => {
    const readme = readmeExitCodes();
    for (const {
      what,
      outcome,
      code,
      readme: [row, words],
    } of CASES) {
      assert.equal(exitCodeOf(outcome), code, what);
      assert.match(readme.get(row) ?? '', words, `${what}: README's row ${row}`);
    }
  });

  test('the cases cover every kind of outcome and every code in the README', () => {
    const kinds = new Set(CASES.map((c) => c.outcome.kind));
    assert.deepEqual([...kinds].sort(), Object.keys(EVERY_KIND).sort());
    const codes = new Set(CASES.map((c) => c.code));
    assert.deepEqual(
      [...codes].sort(),
      [...readmeExitCodes().keys()].sort(),
      'each documented code is reached, and no other',
    );
  });

  test('check exits 0, 1, 2 or 3 only, as the README says', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, /`check` exits only 0, 1, 2 or 3/);
    const checkOutcomes = CASES.filter(
      (c) => c.outcome.kind.startsWith('check') || (c.outcome.kind === 'error' && c.outcome.check),
    );
    for (const { what, outcome } of checkOutcomes) {
      assert.ok([0, 1, 2, 3].includes(exitCodeOf(outcome)), what);
    }
  });

  test('--help lists the same codes as the README', async () => {
    const io = captureIo();
    assert.equal(await main(['node', 'rdma-probe', '--help'], io.io), 0);
    const listed = /\nExit codes:\n([\s\S]*)$/.exec(io.stdout())?.[1] ?? '';
    const codes = [...listed.matchAll(/^ {2}(\d) {2}/gm)].map((match) => Number(match[1]));
    assert.deepEqual(codes, [...readmeExitCodes().keys()]);
  });
});

describe('exit codes through main()', () => {
  for (const { name, error, kind } of ERRORS) {
    const { code, check } = ERROR_CODES[kind];
    test(`${name}: list exits ${code}, check exits ${check}`, async () => {
      const deps = {
        loadBinding: () => {
          throw error;
        },
      };
      const list = captureIo();
      assert.equal(await main(['node', 'rdma-probe', 'list', '--json'], list.io, deps), code);
      assert.equal(list.stdout(), '', 'list prints nothing on stdout when it fails');
      const checked = captureIo();
      assert.equal(await main(['node', 'rdma-probe', 'check'], checked.io, deps), check);
      assert.match(checked.stdout(), /^UNKNOWN: /, 'check always prints its line');
    });
  }

  test('a command line commander refuses is a usage error, for check too', async () => {
    for (const command of ['list', 'report', 'check']) {
      const io = captureIo();
      assert.equal(await main(['node', 'rdma-probe', command, '--bogus'], io.io), 2, command);
    }
  });

  test('help asked for succeeds; no command at all is a usage error', async () => {
    assert.equal(await main(['node', 'rdma-probe', 'check', '--help'], captureIo().io), 0);
    assert.equal(await main(['node', 'rdma-probe', '--version'], captureIo().io), 0);
    assert.equal(await main(['node', 'rdma-probe'], captureIo().io), 2);
  });
});

function captureIo(): { io: CliIo; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: {
        write: (text: string) => {
          stdout += text;
          return true;
        },
      },
      stderr: {
        write: (text: string) => {
          stderr += text;
          return true;
        },
      },
      env: {},
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
