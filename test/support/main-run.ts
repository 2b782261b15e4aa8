/**
 * The CLI as a user meets it, without a process: main(argv, io, deps) with its streams
 * captured in memory and the in-memory binding (memory-binding.ts) built from a test
 * driver configuration, returning what a user would see and what the driver would have
 * recorded. The few tests that are about the process itself (its descriptors, the loader
 * reading the environment, a terminal) run the built artifact instead (cli.ts).
 */
import type { CliDeps, CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { Stdin } from '../../src/fleet/read-inputs.js';
import type { ColorLevel } from '../../src/render/color-level.js';
import { cleanEnv, parseStdout, type CliResult } from './cli.js';
import { memoryDeps, type MemoryDriverState } from './memory-binding.js';
import type { TestDriverConfig } from './test-driver.js';

export interface MainOptions {
  /** The GPUs, as the test driver's configuration; default one capable GPU. */
  config?: TestDriverConfig;
  /** The environment main() is handed; default cleanEnv(). */
  env?: NodeJS.ProcessEnv;
  /** For `report -`. */
  stdin?: Stdin;
  /** What stdout can show, as chalk would detect it; default 0, a pipe. */
  colorLevel?: ColorLevel;
  /** 'real': main()'s own binding loader (koffi and the Vulkan loader), for its failures. */
  binding?: 'memory' | 'real';
  /** The instance layers the loader would list (only --validate asks). */
  layers?: string[];
  /** The wall clock main() reads. */
  now?: () => Date;
}

export interface MainResult extends CliResult {
  exitCode: number;
  /** What the driver would have recorded; null when no binding was opened. */
  state: MemoryDriverState | null;
}

/** Runs `rdma-probe ARGS` in this process. */
export async function runMain(args: string[], options: MainOptions = {}): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => ((stderr += text), true) },
    env: options.env ?? cleanEnv(),
    stdoutColorLevel: () => Promise.resolve(options.colorLevel ?? 0),
  };
  if (options.stdin) io.stdin = options.stdin;
  if (options.now) io.now = options.now;
  const memory = memoryDeps(options.config ?? {}, options.layers ? { layers: options.layers } : {});
  const deps: CliDeps | undefined = options.binding === 'real' ? undefined : memory;
  // Commander takes help's exit code from process.exitCode, which the test runner sets once
  // a test has failed: as in a fresh process, main() runs with none.
  const runnerExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    const exitCode = await main(['node', 'rdma-probe', ...args], io, deps);
    return { exitCode, stdout, stderr, state: memory.opened.at(-1)?.state() ?? null };
  } finally {
    process.exitCode = runnerExitCode;
  }
}

/** The same with --json: the parsed document as well. */
export async function runMainJson(
  args: string[],
  options: MainOptions = {},
): Promise<{ result: MainResult; doc: unknown }> {
  const result = await runMain([...args, '--json'], options);
  return { result, doc: parseStdout(result) };
}
