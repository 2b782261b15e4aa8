/**
 * The man page and the shell completions, both written from the commander program: the
 * checked-in page is what the program writes now (so it cannot drift from --help), groff
 * reads it without a warning, and bash and zsh complete what --help lists.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { describeCli } from '../src/cli/main.js';
import { MAN_PAGE_SEE_ALSO, renderManPage } from '../src/cli/man-page.js';
import { runMain } from './support/main-run.js';
import { repoRoot } from './support/paths.js';

const manPath = join(repoRoot, 'man', 'rdma-probe.1');

test('man/rdma-probe.1 is what the program writes now (npm run build:man)', async () => {
  const page = renderManPage(await describeCli(), MAN_PAGE_SEE_ALSO);
  assert.equal(readFileSync(manPath, 'utf8'), page, 'run npm run build && npm run build:man');
});

test('groff reads the man page without a warning, and it holds every command and option', async () => {
  const lint = spawnSync('groff', ['-man', '-ww', '-z', '-Tutf8', manPath], { encoding: 'utf8' });
  assert.equal(lint.status, 0, lint.stderr);
  assert.equal(lint.stderr, '', lint.stderr);
  const shown = spawnSync('groff', ['-man', '-Tascii', '-P', '-cbou', manPath], {
    encoding: 'utf8',
  });
  assert.equal(shown.status, 0, shown.stderr);
  for (const section of [
    'NAME',
    'SYNOPSIS',
    'DESCRIPTION',
    'COMMANDS',
    'EXIT STATUS',
    'SEE ALSO',
  ]) {
    assert.match(shown.stdout, new RegExp(`^${section}$`, 'm'), section);
  }
  const doc = await describeCli();
  for (const command of doc.commands) {
    assert.ok(shown.stdout.includes(`rdma-probe ${command.usage}`), command.name);
    for (const option of command.options) {
      assert.ok(shown.stdout.includes(option.term), `${command.name} ${option.term}`);
    }
  }
  // Options copied from the page must work: an ASCII minus, not a typographic hyphen.
  assert.match(shown.stdout, /rdma-probe list --format prometheus -o /);
  assert.match(shown.stdout, /^ +0 {2}the probe ran/m);
});

const bashScript = (await runMain(['completion', 'bash'])).stdout;

/** What bash completes for the words typed so far (the last one is being completed). */
function bashComplete(words: string[]): string[] {
  const script = bashScript;
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const run = spawnSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _rdma_probe; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', cwd: join(repoRoot, 'test', 'fixtures') },
  );
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter((line) => line !== '');
}

test('bash completion: commands, each command’s options, --format’s choices, files', () => {
  assert.deepEqual(bashComplete(['rdma-probe', '']).slice(0, 5), [
    'list',
    'report',
    'check',
    'completion',
    'help',
  ]);
  assert.deepEqual(bashComplete(['rdma-probe', 'ch']), ['check']);
  assert.deepEqual(bashComplete(['rdma-probe', 'list', '--for']), ['--format']);
  assert.deepEqual(bashComplete(['rdma-probe', 'list', '--format', 'n']), ['ndjson', 'nfd']);
  assert.deepEqual(bashComplete(['rdma-probe', 'check', '--min']), ['--min-driver']);
  assert.deepEqual(bashComplete(['rdma-probe', 'completion', '']), ['bash', 'zsh']);
  assert.deepEqual(bashComplete(['rdma-probe', 'report', 're']), ['real']);
  assert.deepEqual(bashComplete(['rdma-probe', 'list', '-o', 're']), ['real']);
  assert.deepEqual(bashComplete(['rdma-probe', 'list', '--no-such']), []);
});

test('zsh completion: valid zsh that compinit loads and that names every option', async () => {
  const script = (await runMain(['completion', 'zsh'])).stdout;
  assert.match(script, /^#compdef rdma-probe$/m);
  const syntax = spawnSync('zsh', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);
  const file = join(mkdtempSync(join(tmpdir(), 'rdma-probe-zsh-')), '_rdma-probe');
  writeFileSync(file, script);
  const load = spawnSync(
    'zsh',
    [
      '-f',
      '-c',
      `autoload -Uz compinit && compinit -u -D && source ${file} && print -r -- \${_comps[rdma-probe]}`,
    ],
    { encoding: 'utf8' },
  );
  rmSync(dirname(file), { recursive: true, force: true });
  assert.equal(load.status, 0, load.stderr);
  assert.equal(load.stdout.trim(), '_rdma_probe');
  for (const command of (await describeCli()).commands) {
    for (const option of command.options) {
      for (const flag of option.flags) assert.ok(script.includes(flag), `${command.name} ${flag}`);
    }
  }
});

test('completion: an unknown shell is a usage error', async () => {
  const result = await runMain(['completion', 'fish']);
  assert.equal(result.exitCode, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /'fish' is invalid.*bash, zsh/s);
});
