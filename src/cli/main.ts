/**
 * The CLI: parses arguments, runs the probe, renders, and reports every error in one
 * place. Each command returns what it came to (an Outcome) and exit-code.ts alone turns
 * that into the exit code. main() returns the code instead of exiting, so tests call it
 * directly; src/cli/run.ts is the thin entry that exits with it.
 */
import { monotonicMs } from '../clock.js';
import { Argument, Command, CommanderError, Option } from 'commander';
import { COMPLETION_SHELLS, type CompletionShell } from './completion-shells.js';
import { ProbeError, UsageError } from '../errors.js';
import { exitCodeOf, type ExitCodeValue, type Outcome } from './exit-code.js';
import { collectListReport } from '../collect.js';
import type { GpuReport, ListReport } from '../list-report.js';
import { TOOL_VERSION } from '../version.js';
import { terminalSafe } from '../render/terminal-text.js';
import { useColorOnStdout } from './color.js';
import { formatValidationMessage } from './validation-message.js';
import { collectDeps } from './collect-deps.js';
import { checkOutput, deliver, renderList } from './list-output.js';
import {
  LIST_FORMATS,
  MAX_NFD_EXPIRY,
  MAX_REPORT_AGE,
  collectFormat,
  parseListOptions,
  type CheckOptions,
  type ListFormat,
  type ListOptions,
  type ReportOptions,
} from './options.js';
import type { CliDeps, CliIo, OutputStream } from './io.js';
import { renderCheckUnknown } from '../render/check-output.js';

const defaultDeps: CliDeps = {
  // Loaded lazily so that --help and --version never load koffi or the Vulkan loader.
  loadBinding: async (env) => (await import('../vulkan/ffi.js')).loadVulkanBinding(env),
};

const EXIT_CODES_HELP = `
Exit codes:
  0  the probe ran (whatever the verdicts); report: at least one host was read;
     check: every rule holds
  1  internal error (a bug: please report it with the stack trace);
     check: a rule does not hold (check exits 0, 1, 2 or 3 only: see check --help)
  2  usage error
  3  no Vulkan loader, no Vulkan driver or GPU, or an environment problem
     (an --output path that is not a regular file or cannot be written,
     a standard output that cannot be written)
  4  a Vulkan call failed unexpectedly (the message names the call and VkResult)
  5  --alloc was requested and failed or was skipped on a selected GPU
  6  report: no host report could be read from the inputs`;

const LIST_EXAMPLES = `
Examples:
  rdma-probe list                      table of every GPU and its RDMA verdict
  rdma-probe list --json | jq .gpus    JSON for inventory (schemaVersion ${1})
  rdma-probe list --verbose            add every memory heap and memory type
  rdma-probe list --device 0           one GPU, by index, UUID (GPU-...) or PCI bus ID
  rdma-probe list --alloc=64MiB        also allocate 64 MiB of RDMA-exportable memory
                                       on each capable GPU and print its remote address
  rdma-probe list --validate           run with VK_LAYER_KHRONOS_validation
  rdma-probe list --ndjson             one JSON line per GPU, host fields repeated
  rdma-probe list --format nfd -o /etc/kubernetes/node-feature-discovery/features.d/rdma-probe
                                       node-feature-discovery feature file (labels)
  rdma-probe list --format prometheus -o /var/lib/node_exporter/textfile_collector/rdma_probe.prom
                                       node_exporter textfile collector metrics

--output FILE writes the chosen format (any of them) to FILE through a temporary file in
the same folder and a rename, and prints nothing on stdout ('-' is stdout). It only ever
replaces a regular file, keeping its mode, or creates one with mode 0644 whatever the
umask; a device, FIFO, socket or folder is refused (exit 3) and left as it is. A symbolic
link to a regular file is followed, and the real file replaced, if root or you own the
link. With --format prometheus a failed probe still writes rdma_probe_success 0 before
exiting with its code.

Environment:
  NO_COLOR                   no colour in the tables (it wins over everything else)
  FORCE_COLOR                colour the tables even in a pipe (0 or false: never); the
                             tables are coloured on a terminal unless TERM=dumb
  RDMA_PROBE_VULKAN_LIBRARY  path of the Vulkan loader (default libvulkan.so.1)
  VK_DRIVER_FILES            the Vulkan loader's own: which drivers (ICDs) to load
  RDMA_PROBE_SYSFS_ROOT      read the host facts (/proc, /sys) under this folder instead
                             of / (for tests and offline checks of a copied tree)
  RDMA_PROBE_CACHE_DIR       single binary only: the folder its native module is cached in
                             (default ~/.cache/rdma-probe, with safe fallbacks)
${EXIT_CODES_HELP}`;

const REPORT_HELP = `
Reads many hosts' JSON: \`list --json\` documents, \`list --ndjson\` lines, or either one
after another (e.g. cat */*.json), from files, folders (recursively, *.json and *.ndjson)
or stdin ("-"). Prints hosts, GPUs, RDMA-capable counts, counts by reason and by driver
version, budget totals, and flags inconsistent driver versions, mixed schema versions and
duplicate hosts (the newest generatedAt of a hostname is kept, the first read of equal
ones). Inputs that cannot be read (not JSON, truncated, not a report, larger than 16 MiB)
are listed as problems and the rest is still counted.

Each host kept is judged by its generatedAt against the fleet report's own (the time
report finished reading): more than --max-age before it (default 24h; 90s, 30m, 7d...;
off or 0: never) is stale, more than 5 minutes after it is from the future (a wrong
clock). Both are still counted in every total, counted apart as well (totals.staleHosts,
staleGpus, staleCapableGpus, futureHosts...), flagged, and listed by host.

Examples:
  rdma-probe report inventory/                  every *.json / *.ndjson below inventory/
  pdsh -N -w 'gpu[01-64]' rdma-probe list --ndjson | rdma-probe report -
  rdma-probe report --json hosts/*.json | jq .totals
  rdma-probe report --max-age 2h inventory/     hosts silent for over 2 hours are stale
${EXIT_CODES_HELP}`;

const CHECK_HELP = `
Rules, in the order their problems are listed:
  --device X        X matches a GPU; only the GPUs it selects are judged
  --gpus N          exactly N GPUs are found, counted before --device selects
                    (a GPU that fell off the bus fails the check)
  --min-driver V    every judged GPU's driver version is at least V, compared
                    part by part as numbers (575.64 < 575.64.05 < 580.159.04)
  (always)          every judged GPU is RDMA-capable (list's verdict); a GPU
                    whose probe failed fails with probe-failed
  --host-ready      the host's readiness is ready (list's Host block) and no
                    judged GPU has a placement issue (nearest NIC on another
                    NUMA node)
  --alloc[=SIZE]    a test allocation (default 1MiB) is made, exported and
                    freed on every judged GPU

Output: exactly one line on stdout, at most 200 bytes, no colour:
  OK: <summary>                    every rule holds
  FAIL: <first problem>[; N more]  GPU index and PCI bus ID (or host), reason
                                   code and message, cut with … to fit
  UNKNOWN: <why>                   the rules could not be judged
Every problem also goes to stderr, whole, one line each. --json prints one
document instead of the line (schema/check.schema.json): the rules, each one's
result per GPU, the line, and the report they were judged on.

Examples:
  rdma-probe check                     every GPU RDMA-capable
  rdma-probe check --gpus 8 --host-ready --min-driver 580.65.06
  rdma-probe check --device 00000000:4f:00.0 --alloc=64MiB
  rdma-probe check --json | jq -r '.problems[].message'
Slurm (NHC), node-problem-detector and Ansible set-ups: docs/health-check.md.

Exit codes (check uses these four only):
  0  OK: every rule holds
  1  FAIL: a rule does not hold
  2  usage error (stdout: UNKNOWN: usage error: ...)
  3  UNKNOWN: could not probe (no Vulkan loader, no Vulkan driver or GPU, a
     Vulkan call failing before any GPU could be judged, a standard output that
     cannot be written), or an internal error: a bug in rdma-probe prints its
     stack trace on stderr and exits 3, never 1, so that it reads as unknown,
     not as a failing node
node-problem-detector reads 0 as OK, 1 as NonOK and anything else as Unknown.
Slurm does nothing with HealthCheckProgram's exit code itself: run check
through NHC or a script that drains the node on any non-zero code.`;

const COMPLETION_HELP = `
Examples:
  source <(rdma-probe completion bash)            bash, this shell only
  rdma-probe completion bash > /etc/bash_completion.d/rdma-probe
  rdma-probe completion zsh > "\${fpath[1]}/_rdma-probe"   zsh (then: compinit)`;

export async function main(
  argv: string[],
  io: CliIo,
  deps: CliDeps = defaultDeps,
): Promise<number> {
  // A command that returns nothing to say (completion) has done its job.
  let outcome: Outcome = { kind: 'done' };
  const { program, check } = buildProgram(argv, io, deps, (ended) => {
    outcome = ended;
  });

  // Which command runs decides how an error is reported: check speaks its own protocol.
  let command: string | null = null;
  program.hook('preSubcommand', (_program, subcommand) => {
    command = subcommand.name();
  });

  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (error) {
    const checking = command === check.name();
    outcome = handleError(
      error,
      io,
      checking ? { json: check.opts<CheckOptions>().json === true } : null,
    );
  }
  return exitCodeOf(outcome);
}

/**
 * The commander program: every command, option and help text. The man page and the shell
 * completions are written from it too (describeCli), so they cannot drift from --help.
 */
function buildProgram(
  argv: string[],
  io: CliIo,
  deps: CliDeps,
  setOutcome: (outcome: Outcome) => void,
): { program: Command; check: Command } {
  const program = new Command('rdma-probe')
    .description(
      'Can this server export GPU memory for RDMA? Probes every GPU the Vulkan loader sees ' +
        'for VK_NV_external_memory_rdma and gives a verdict with its reasons.',
    )
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    // All of it, so that commander never touches process.stdout itself (see fd-output.ts).
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander's error lines quote what was typed: escape it, keeping the line breaks.
      outputError: (text, write) => write(text.split('\n').map(terminalSafe).join('\n')),
      getOutHelpWidth: () => io.stdout.columns ?? 80,
      getErrHelpWidth: () => io.stderr.columns ?? 80,
      // The help text is never styled, so there is no colour for commander to keep.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText(
      'after',
      `\nRun 'rdma-probe list --help' for the probe's options, 'rdma-probe report --help' for the fleet report,\n'rdma-probe check --help' for the health check; 'man rdma-probe' for all of it.\n${EXIT_CODES_HELP}\n`,
    );

  program
    .command('list')
    .description('probe every GPU and print its RDMA capability')
    .option('--json', 'print one JSON document (the report) on stdout')
    .option('--ndjson', 'print one JSON line per GPU, the host fields repeated on each')
    .addOption(
      new Option('--format <format>', 'output format (default table)')
        .choices(LIST_FORMATS) // for the help text; collectFormat checks the value
        .argParser(collectFormat),
    )
    .option('-o, --output <file>', 'write the output to FILE atomically instead of stdout')
    .option(
      '--nfd-expiry <duration>',
      `nfd: labels expire this long after the run (at most ${MAX_NFD_EXPIRY.text})`,
      '24h',
    )
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
      setOutcome(await runList(options, argv.slice(2), io, deps));
    });

  program
    .command('report')
    .description("sum up many hosts' JSON (list --json or --ndjson) as a fleet report")
    .argument('<inputs...>', 'files, folders (searched for *.json and *.ndjson), or - for stdin')
    .option('--json', 'print the fleet report as one JSON document')
    .option(
      '--max-age <duration>',
      `flag hosts whose report is older than this; off: none (at most ${MAX_REPORT_AGE.text})`,
      '24h',
    )
    .option('--no-color', 'no colour in the table')
    .addHelpText('after', REPORT_HELP)
    .action(async (inputs: string[], options: ReportOptions) => {
      const { runReport } = await import('./report-command.js');
      setOutcome(await runReport(inputs, options, io, io.stdin ?? null));
    });

  const check = program
    .command('check')
    .description(
      'health check for Slurm/NHC, node-problem-detector, Ansible: one line; exit 0 OK, 1 FAIL, 2 usage, 3 UNKNOWN',
    )
    .option('-d, --device <index|uuid|pci>', 'judge only this GPU; none matching fails the check')
    .option('--gpus <n>', 'exactly N GPUs must be found (before --device selects)')
    .option('--min-driver <version>', "every judged GPU's driver is at least VERSION")
    .option('--host-ready', "the host's RDMA readiness must be ready too")
    .addOption(
      new Option(
        '--alloc [size]',
        'a test allocation must succeed on every judged GPU (default 1MiB)',
      ),
    )
    .option('--validate', 'enable VK_LAYER_KHRONOS_validation; messages go to stderr')
    .option('--json', 'print one JSON document (rules, results, report) instead of the line')
    .addHelpText('after', CHECK_HELP)
    .action(async (options: CheckOptions) => {
      const { runCheck } = await import('./check-command.js');
      setOutcome(await runCheck(options, io, deps));
    });

  program
    .command('completion')
    .description('print a shell completion script for bash or zsh')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .addHelpText('after', COMPLETION_HELP)
    .action(async (shell: CompletionShell) => {
      const [{ describeProgram }, { renderCompletion }] = await Promise.all([
        import('./command-docs.js'),
        import('./completion.js'),
      ]);
      io.stdout.write(renderCompletion(describeProgram(program), shell));
    });

  return { program, check };
}

/** The program as data, for the man page (scripts/build-man.mjs) and tests. */
export async function describeCli(): Promise<import('./command-docs.js').ProgramDoc> {
  const { describeProgram } = await import('./command-docs.js');
  const quiet: OutputStream = { write: () => true };
  const { program } = buildProgram(
    [],
    { stdout: quiet, stderr: quiet, env: {} },
    defaultDeps,
    () => {},
  );
  return describeProgram(program);
}

async function runList(
  options: ListOptions,
  args: readonly string[],
  io: CliIo,
  deps: CliDeps,
): Promise<Outcome> {
  const started = monotonicMs();
  const { output, device, allocateBytes, format, nfdExpiryMs, verbose, validate, color } =
    parseListOptions(options, args, io.argvBytes?.(args) ?? null);
  await checkOutput(output);
  let report: ListReport;
  try {
    const binding = await deps.loadBinding(io.env);
    report = collectListReport(collectDeps(binding, io), {
      toolVersion: TOOL_VERSION,
      device,
      validate,
      allocateBytes,
      onValidationMessage: (message) => io.stderr.write(formatValidationMessage(message)),
    });
  } catch (error) {
    await writeFailureMetrics(format, output, io, started);
    throw error;
  }
  // Only the table has colour, and never in a file. (Asking whether stdout is a terminal
  // loads the tty module: the other formats skip the question.)
  const colored = format === 'table' && output === null && (await useColorOnStdout(io, color));
  const text = await renderList(report, format, { color: colored, verbose, nfdExpiryMs });
  await deliver(io, output, text);
  // Exit 5 alone does not say which GPU: one line each, whatever the format.
  const unallocated = report.gpus.filter(
    (gpu) => gpu.allocation !== null && gpu.allocation.status !== 'ok',
  );
  for (const gpu of unallocated) io.stderr.write(formatAllocationProblem(gpu));
  return { kind: unallocated.length > 0 ? 'allocation-failed' : 'done' };
}

/** "rdma-probe: GPU 1 (00000000:07:00.0): allocation failed at vkAllocateMemory: ..." */
export function formatAllocationProblem(gpu: GpuReport): string {
  const where = gpu.identity.pciBusId ? ` (${gpu.identity.pciBusId})` : '';
  const failure = gpu.allocation?.failure;
  const status = gpu.allocation?.status === 'skipped' ? 'skipped' : 'failed';
  // Vulkan failures name their call already ("vkAllocateMemory failed: ...").
  const named = failure === null || failure === undefined || failure.message.includes(failure.step);
  const step = status === 'failed' && !named ? ` at ${failure.step}` : '';
  const why = failure ? `: ${failure.message}` : '';
  return (
    terminalSafe(`rdma-probe: GPU ${gpu.index}${where}: allocation ${status}${step}${why}`) + '\n'
  );
}

/** The textfile collector should see a failed run as rdma_probe_success 0, not stale data. */
async function writeFailureMetrics(
  format: ListFormat,
  output: Buffer | null,
  io: CliIo,
  started: number,
): Promise<void> {
  if (format !== 'prometheus') return;
  const { renderPrometheusFailure } = await import('../render/prometheus.js');
  const text = renderPrometheusFailure({
    toolVersion: TOOL_VERSION,
    finishedAt: new Date(),
    durationSeconds: (monotonicMs() - started) / 1000,
  });
  try {
    await deliver(io, output, text);
  } catch (error) {
    // The probe's own failure is the one to exit with; this one is only reported.
    if (!(error instanceof ProbeError)) throw error;
    io.stderr.write(`rdma-probe: ${terminalSafe(error.message)}\n`);
  }
}

/** How `check` wants an error reported, when check is the command that failed. */
interface CheckContext {
  json: boolean;
}

/**
 * Every error of every command ends here: its message on stderr (a stack only for a bug),
 * and what the run came to. For `check`, stdout also gets the UNKNOWN line (or document),
 * so that a health checker always has one line to show.
 */
function handleError(error: unknown, io: CliIo, check: CheckContext | null): Outcome {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help/version text).
    // Help asked for is a success; help shown because no command was given (commander
    // writes it to stderr and sets exit code 1) is a usage error.
    const asked =
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      (error.code === 'commander.help' && error.exitCode === 0);
    if (asked) return { kind: 'help' };
    const usage: Outcome = { kind: 'usage' };
    if (check) {
      const message = error.message.split('\n')[0]!.replace(/^error: /, '');
      writeCheckUnknown(io, check, `usage error: ${message}`, exitCodeOf(usage));
    }
    return usage;
  }
  if (error instanceof ProbeError) {
    // Messages quote file names and driver text: one line, no terminal controls.
    io.stderr.write(`rdma-probe: ${terminalSafe(error.message)}\n`);
  } else {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // A bug's message may quote driver or input text too: escaped line by line.
    const shown = stack.split('\n').map(terminalSafe).join('\n');
    io.stderr.write(`rdma-probe: internal error (please report this)\n${shown}\n`);
  }
  const outcome: Outcome = { kind: 'error', error, check: check !== null };
  if (!check) return outcome;
  const why =
    error instanceof UsageError
      ? `usage error: ${error.message}`
      : error instanceof ProbeError
        ? error.message
        : 'internal error in rdma-probe (a bug: its stack trace is on stderr, please report it)';
  writeCheckUnknown(io, check, why, exitCodeOf(outcome));
  return outcome;
}

function writeCheckUnknown(
  io: CliIo,
  check: CheckContext,
  why: string,
  exitCode: ExitCodeValue,
): void {
  const text = renderCheckUnknown(why, {
    json: check.json,
    toolVersion: TOOL_VERSION,
    exitCode,
    generatedAt: new Date(),
  });
  try {
    io.stdout.write(text);
  } catch (error) {
    // A standard output that cannot be written (the very error being reported, perhaps)
    // has been reported on stderr already; the exit code still says UNKNOWN.
    if (!(error instanceof ProbeError)) throw error;
  }
}
