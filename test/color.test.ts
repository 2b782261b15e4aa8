/**
 * Colour as the ecosystem does it: chalk's own detection decides (a terminal, FORCE_COLOR,
 * TERM=dumb), and NO_COLOR or --no-color always win. Through the built CLI, in a pipe and
 * on a pseudo-terminal, for the list and report tables; JSON and files are never coloured,
 * whatever chalk detected (main() in this process, told what it would have).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { useColor } from '../src/cli/color.js';
import { cleanEnv, runCli } from './support/cli.js';
import { LAVAPIPE_LIKE } from './support/driver-configs.js';
import { runMain } from './support/main-run.js';
import { cliPath } from './support/paths.js';

const ESC = '\x1b[';

test('useColor: what chalk detected, unless NO_COLOR or --no-color', () => {
  assert.equal(useColor(1, {}, undefined), true);
  assert.equal(useColor(3, {}, true), true);
  assert.equal(useColor(0, {}, undefined), false);
  assert.equal(useColor(0, {}, true), false);
  assert.equal(useColor(1, { NO_COLOR: '1' }, undefined), false);
  // no-color.org: an empty NO_COLOR is as if unset.
  assert.equal(useColor(1, { NO_COLOR: '' }, undefined), true);
  assert.equal(useColor(3, {}, false), false);
});

/** A terminal as a person has one: TERM names a colour terminal, not inside CI. */
const terminalEnv = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({ TERM: 'xterm-256color', CI: undefined, COLORTERM: undefined, ...extra });

function onTerminal(args: string[], env: NodeJS.ProcessEnv): string {
  const command = [process.execPath, cliPath, ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

test('on a terminal: colour, except with NO_COLOR, --no-color, FORCE_COLOR=0 or TERM=dumb', () => {
  assert.ok(onTerminal(['list'], terminalEnv()).includes(ESC), 'no colour on a terminal');
  for (const [what, args, env] of [
    ['NO_COLOR', ['list'], terminalEnv({ NO_COLOR: '1' })],
    ['--no-color', ['list', '--no-color'], terminalEnv()],
    ['FORCE_COLOR=0', ['list'], terminalEnv({ FORCE_COLOR: '0' })],
    ['TERM=dumb', ['list'], terminalEnv({ TERM: 'dumb' })],
    ['NO_COLOR over FORCE_COLOR', ['list'], terminalEnv({ FORCE_COLOR: '1', NO_COLOR: '1' })],
  ] as const) {
    assert.ok(!onTerminal([...args], env).includes(ESC), `colour despite ${what}`);
  }
});

test('in a pipe: no colour, unless FORCE_COLOR asks for it (and NO_COLOR does not forbid it)', () => {
  assert.ok(!runCli(['list']).stdout.includes(ESC), 'colour in a pipe');
  assert.ok(runCli(['list'], cleanEnv({ FORCE_COLOR: '1' })).stdout.includes(ESC));
  assert.ok(!runCli(['list'], cleanEnv({ FORCE_COLOR: '1', NO_COLOR: '1' })).stdout.includes(ESC));
  assert.ok(!runCli(['list', '--no-color'], cleanEnv({ FORCE_COLOR: '1' })).stdout.includes(ESC));
});

test('FORCE_COLOR never colours JSON, NDJSON, NFD, Prometheus or a file', async () => {
  // What chalk detects with FORCE_COLOR=3 (the pipe test above shows it does).
  const forced = {
    config: LAVAPIPE_LIKE,
    env: cleanEnv({ FORCE_COLOR: '3' }),
    colorLevel: 3 as const,
  };
  for (const format of ['json', 'ndjson', 'nfd', 'prometheus']) {
    const result = await runMain(['list', '--format', format], forced);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(!result.stdout.includes('\x1b'), `colour in --format ${format}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'rdma-probe-color-'));
  const file = join(dir, 'table.txt');
  assert.equal((await runMain(['list', '-o', file], forced)).exitCode, 0);
  assert.ok(!readFileSync(file, 'utf8').includes('\x1b'), 'colour in a file');
});

test('report: the same policy for the fleet table, never for --json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rdma-probe-color-'));
  const host = join(dir, 'host.json');
  const listed = await runMain(['list', '--json'], { config: LAVAPIPE_LIKE });
  assert.equal(listed.exitCode, 0, listed.stderr);
  writeFileSync(host, listed.stdout);
  assert.ok(runCli(['report', host], cleanEnv({ FORCE_COLOR: '1' })).stdout.includes(ESC));
  assert.ok(!runCli(['report', host]).stdout.includes(ESC));
  assert.ok(
    !runCli(['report', host], cleanEnv({ FORCE_COLOR: '1', NO_COLOR: '1' })).stdout.includes(ESC),
  );
  assert.ok(
    !runCli(['report', '--json', host], cleanEnv({ FORCE_COLOR: '1' })).stdout.includes('\x1b'),
  );
  assert.ok(onTerminal(['report', host], terminalEnv()).includes(ESC));
});
