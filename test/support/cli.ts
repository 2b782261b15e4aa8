/** Runs the CLI as a user would (a child process), returning what they would see. */
import { spawnSync } from 'node:child_process';
import { cliPath } from './paths.js';

export interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** The environment every CLI test starts from: no colour forcing, no layers from the host. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'VK_INSTANCE_LAYERS',
    'VK_LOADER_LAYERS_ENABLE',
    'VK_LOADER_LAYERS_DISABLE',
    'VK_DRIVER_FILES',
    'VK_ICD_FILENAMES',
    'VK_ADD_DRIVER_FILES',
    'FORCE_COLOR',
    'NO_COLOR',
    'RDMA_PROBE_VULKAN_LIBRARY',
  ]) {
    delete env[name];
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function runJson(
  args: string[],
  env?: NodeJS.ProcessEnv,
): { result: CliResult; doc: unknown } {
  const result = runCli([...args, '--json'], env);
  return { result, doc: parseStdout(result) };
}

/** A run's stdout parsed as JSON; when it is not JSON, an error showing both streams. */
export function parseStdout(result: {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}): unknown {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}
