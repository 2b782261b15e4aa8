/**
 * The CLI: parses arguments, runs the probe, renders, and maps every error to its exit
 * code in one place. main() returns the exit code instead of exiting, so tests call it
 * directly; src/cli/run.ts is the thin entry that sets process.exitCode.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, ProbeError, exitCodeOf } from '../errors.js';
import { probe } from '../probe/probe.js';
import { parseDeviceSelector } from '../probe/select.js';
import type { ProbeReport, ValidationMessage } from '../report.js';
import { renderJson } from '../render/json.js';
import { renderTable } from '../render/table.js';
import type { VulkanBinding } from '../vulkan/binding.js';
import { TOOL_VERSION } from '../version.js';
import { DEFAULT_ALLOC_BYTES, parseSize } from './size.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
}

export interface CliDeps {
  /** Opens the Vulkan binding; the real one loads libvulkan.so.1 through koffi. */
  loadBinding: (env: NodeJS.ProcessEnv) => VulkanBinding | Promise<VulkanBinding>;
}

const defaultDeps: CliDeps = {
  // Loaded lazily so that --help and --version never load koffi or the Vulkan loader.
  loadBinding: async (env) => (await import('../vulkan/ffi.js')).loadVulkanBinding(env),
};

const EXIT_CODES_HELP = `
Exit codes:
  0  the probe ran (whatever the verdicts)
  1  internal error (a bug: please report it with the stack trace)
  2  usage error
  3  no Vulkan loader, no Vulkan driver or GPU, or an environment problem
  4  a Vulkan call failed unexpectedly (the message names the call and VkResult)
  5  --alloc was requested and failed or was skipped on a selected GPU`;

const LIST_EXAMPLES = `
Examples:
  rdma-probe list                      table of every GPU and its RDMA verdict
  rdma-probe list --json | jq .gpus    JSON for inventory (schemaVersion ${1})
  rdma-probe list --verbose            add every memory heap and memory type
  rdma-probe list --device 0           one GPU, by index, UUID (GPU-...) or PCI bus ID
  rdma-probe list --alloc=64MiB        also allocate 64 MiB of RDMA-exportable memory
                                       on each capable GPU and print its remote address
  rdma-probe list --validate           run with VK_LAYER_KHRONOS_validation

Environment:
  NO_COLOR                   no colour (colour is only used on a terminal anyway)
  RDMA_PROBE_VULKAN_LIBRARY  path of the Vulkan loader (default libvulkan.so.1)
  VK_DRIVER_FILES            the Vulkan loader's own: which drivers (ICDs) to load
${EXIT_CODES_HELP}`;

interface ListOptions {
  json?: boolean;
  verbose?: boolean;
  device?: string;
  alloc?: string | true;
  validate?: boolean;
  color?: boolean;
}

export async function main(
  argv: string[],
  io: CliIo,
  deps: CliDeps = defaultDeps,
): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = new Command('rdma-probe')
    .description(
      'Can this server export GPU memory for RDMA? Probes every GPU the Vulkan loader sees ' +
        'for VK_NV_external_memory_rdma and gives a verdict with its reasons.',
    )
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `\nRun 'rdma-probe list --help' for the probe's options.\n${EXIT_CODES_HELP}\n`,
    );

  program
    .command('list')
    .description('probe every GPU and print its RDMA capability')
    .option('--json', 'print one JSON document (the report) on stdout')
    .option('-v, --verbose', 'add every memory heap and memory type to the table')
    .option('-d, --device <index|uuid|pci>', 'only this GPU: index, UUID (GPU-...) or PCI bus ID')
    .addOption(
      new Option(
        '--alloc [size]',
        'allocate RDMA-exportable memory on each capable GPU, print its remote address, free it (default 1MiB)',
      ),
    )
    .option(
      '--validate',
      'enable VK_LAYER_KHRONOS_validation; messages go to stderr and the report',
    )
    .option('--no-color', 'no colour in the table')
    .addHelpText('after', LIST_EXAMPLES)
    .action(async (options: ListOptions) => {
      exitCode = await runList(options, io, deps);
    });

  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (error) {
    return handleError(error, io);
  }
  return exitCode;
}

async function runList(options: ListOptions, io: CliIo, deps: CliDeps): Promise<number> {
  const device = options.device !== undefined ? parseDeviceSelector(options.device) : null;
  const allocateBytes =
    options.alloc === undefined
      ? null
      : options.alloc === true
        ? DEFAULT_ALLOC_BYTES
        : parseSize(options.alloc);
  const binding = await deps.loadBinding(io.env);
  const report: ProbeReport = probe(binding, {
    toolVersion: TOOL_VERSION,
    device,
    validate: options.validate === true,
    allocateBytes,
    onValidationMessage: (message) => io.stderr.write(formatValidationMessage(message)),
  });
  if (options.json) {
    io.stdout.write(renderJson(report));
  } else {
    const color = options.color !== false && io.stdout.isTTY === true && !io.env['NO_COLOR'];
    io.stdout.write(renderTable(report, { color, verbose: options.verbose === true }));
  }
  const allocationFailed = report.gpus.some(
    (gpu) => gpu.allocation !== null && gpu.allocation.status !== 'ok',
  );
  return allocationFailed ? ExitCode.ALLOCATION_FAILED : ExitCode.OK;
}

function formatValidationMessage(message: ValidationMessage): string {
  const id = message.id ? ` [${message.id}]` : '';
  return `rdma-probe: validation ${message.severity}${id}: ${message.message}\n`;
}

function handleError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help/version text).
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return ExitCode.OK;
    }
    return ExitCode.USAGE;
  }
  if (error instanceof ProbeError) {
    io.stderr.write(`rdma-probe: ${error.message}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`rdma-probe: internal error (please report this)\n${stack}\n`);
  return exitCodeOf(error);
}
