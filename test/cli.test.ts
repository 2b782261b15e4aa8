/**
 * The command line as a user meets it: help, version, and every expected failure giving
 * one clear line on stderr and its documented exit code, never a stack trace. Most run
 * main() in this process on the in-memory binding; those about the process itself (the
 * loader reading its environment, a closed pipe, a terminal, the modules it loads) run the
 * built artifact.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatValidationMessage } from '../src/cli/validation-message.js';
import { cleanEnv, runCli, type CliResult } from './support/cli.js';
import { runMain } from './support/main-run.js';
import { cliPath, repoRoot } from './support/paths.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;

function assertOneLineError(result: CliResult, exitCode: number, pattern: RegExp) {
  assert.equal(result.exitCode, exitCode, `stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.ok(lines.length <= 2, `more than one message: ${result.stderr}`); // commander may add a suggestion
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace printed');
}

test('--version prints the package version', async () => {
  const result = await runMain(['--version']);
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout.trim(), version);
});

test('--help documents the commands and exit codes; list --help has examples', async () => {
  const top = await runMain(['--help']);
  assert.equal(top.exitCode, 0);
  assert.match(top.stdout, /list/);
  assert.match(top.stdout, /Exit codes:[\s\S]*3 {2}no Vulkan loader/);
  const list = await runMain(['list', '--help']);
  assert.equal(list.exitCode, 0);
  for (const flag of ['--json', '--verbose', '--device', '--alloc', '--validate']) {
    assert.ok(list.stdout.includes(flag), `list --help lacks ${flag}`);
  }
  assert.match(list.stdout, /Examples:/);
});

test('usage errors exit 2 with one line', async () => {
  assertOneLineError(await runMain(['list', '--bogus']), 2, /unknown option '--bogus'/);
  assertOneLineError(await runMain(['lst']), 2, /unknown command 'lst'/);
  assertOneLineError(
    await runMain(['list', '--device', 'not-a-gpu']),
    2,
    /--device 'not-a-gpu' is not/,
  );
  assertOneLineError(await runMain(['list', '--device', '7']), 2, /no GPU matches --device '7'/);
  assertOneLineError(await runMain(['list', '--alloc=0']), 2, /greater than zero/);
  assertOneLineError(await runMain(['list', '--alloc=lots']), 2, /not a size/);
  assertOneLineError(await runMain(['list', '--alloc=5TiB']), 2, /larger than/);
});

test('no command: the help on stderr, nothing on stdout, exit 2', async () => {
  const result = await runMain([]);
  assert.equal(result.exitCode, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^Usage: rdma-probe \[options\] \[command\]/);
  assert.match(result.stderr, /Exit codes:/);
  // Asked for, help is a success on stdout.
  for (const args of [['help'], ['--help'], ['help', 'list']]) {
    const help = await runMain(args);
    assert.equal(help.exitCode, 0, args.join(' '));
    assert.match(help.stdout, /^Usage: rdma-probe/);
  }
});

test('two different --format values are a usage error; the same one twice is not', async () => {
  assertOneLineError(
    await runMain(['list', '--format', 'json', '--format', 'nfd']),
    2,
    /choose one output format \(got json, nfd\)/,
  );
  assertOneLineError(
    await runMain(['list', '--format', 'prometheus', '--ndjson']),
    2,
    /choose one output format/,
  );
  assertOneLineError(
    await runMain(['list', '--format', 'xml']),
    2,
    /'xml' is invalid. Allowed choices/,
  );
  const same = await runMain(['list', '--format', 'json', '--format=json']);
  assert.equal(same.exitCode, 0, same.stderr);
  assert.ok(JSON.parse(same.stdout).gpus.length > 0);
});

test('what the user typed is escaped in error messages', async () => {
  const result = await runMain(['l\x1b]0;retitled\x07st']);
  assertOneLineError(result, 2, /unknown command 'l\\x1b\]0;retitled\\x07st'/);
  assert.ok(!result.stderr.includes('\x1b'), 'a raw escape reached the terminal');
});

test('validation messages quote driver text: one stderr line each, no terminal controls', () => {
  const line = formatValidationMessage({
    severity: 'error',
    id: 'VUID-\u001b]0;x\u0007',
    message: 'object name "GPU\u001b[2J\rFAKE\nflag: capable"',
  });
  assert.equal(line.split('\n').length, 2, line);
  assert.ok(line.endsWith('\n'));
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(line.slice(0, -1), /[\u0000-\u001f\u007f-\u009f]/);
  assert.match(
    line,
    /^rdma-probe: validation error \[VUID-\\x1b\]0;x\\x07\]: object name "GPU\\x1b\[2J\\rFAKE\\nflag: capable"/,
  );
});

test('a missing Vulkan loader exits 3 naming the package to install', async () => {
  const result = await runMain(['list'], {
    binding: 'real',
    env: cleanEnv({ RDMA_PROBE_VULKAN_LIBRARY: '/nonexistent/libvulkan.so.1' }),
  });
  assertOneLineError(result, 3, /Vulkan loader not found.*libvulkan1/);
});

test('no Vulkan driver exits 3 with what to install', () => {
  for (const variable of ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES']) {
    const result = runCli(['list', '--json'], cleanEnv({ [variable]: '/nonexistent/icd.json' }));
    assertOneLineError(result, 3, /no Vulkan (driver|device) found/);
  }
});

test('a reader that closes the pipe early gets no stack trace', async () => {
  const child = spawn(process.execPath, [cliPath, 'list', '--json'], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy(); // like `| head -c0`: the read end is gone before anything is written
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.equal(stderr, '');
});

/** Runs the CLI on a pseudo-terminal of the given width (util-linux `script`). */
function runOnTerminal(args: string[], columns: number): string {
  const command = [process.execPath, cliPath, ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('script', ['-qec', `stty cols ${columns}; ${command}`, '/dev/null'], {
    // A colour terminal as chalk's detection knows one (outside CI, TERM names one).
    env: cleanEnv({ TERM: 'xterm-256color', CI: undefined }),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.replaceAll('\r', '');
}

const optionLines = (help: string) => help.split('\n').filter((line) => line.startsWith('  -'));
const longest = (lines: string[]) => Math.max(...lines.map((line) => line.length));

test('on a terminal: the table is coloured and help wraps to its width; piped: neither', () => {
  const ESC = '\x1b[';
  assert.ok(runOnTerminal(['list'], 100).includes(ESC), 'no colour on a terminal');
  assert.ok(!runCli(['list']).stdout.includes(ESC), 'colour in a pipe');

  const wide = optionLines(runOnTerminal(['list', '--help'], 100));
  assert.ok(longest(wide) > 80 && longest(wide) <= 100, `not wrapped to 100: ${longest(wide)}`);
  const piped = optionLines(runCli(['list', '--help']).stdout);
  assert.ok(longest(piped) <= 80, `a pipe wraps to 80, got ${longest(piped)}`);
});

test('list --json loads neither crypto, perf_hooks nor tty (start-up time of the binary)', () => {
  // In a fresh process, as the binary runs it; commander's child_process (and with it net
  // and stream) is replaced only in the binary's bundle, so it is not checked here.
  const script = `
    import { main } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/src/cli/main.js')).href)};
    import { FdOutput } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/src/cli/fd-output.js')).href)};
    import { writeSync } from 'node:fs';
    const io = { stdout: new FdOutput(1), stderr: new FdOutput(2), env: process.env };
    const code = await main(['node', 'rdma-probe', 'list', '--json'], io);
    writeSync(2, JSON.stringify({ code, modules: process.moduleLoadList }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const { code, modules } = JSON.parse(result.stderr) as { code: number; modules: string[] };
  assert.equal(code, 0);
  assert.ok(JSON.parse(result.stdout).gpus.length > 0);
  for (const name of ['crypto', 'perf_hooks', 'tty']) {
    assert.ok(!modules.includes(`NativeModule ${name}`), `list --json loaded node:${name}`);
  }
});
