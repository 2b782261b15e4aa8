/**
 * What the man page and the shell completions are made of, read from the commander
 * program itself (commands, options, arguments, and the help text each command adds after
 * its options), so that none of them can drift from `--help`.
 */
import type { EventEmitter } from 'node:events';
import type { Command, Option } from 'commander';

export interface OptionDoc {
  /** As --help shows it: "-o, --output <file>". */
  term: string;
  /** As --help shows it, with its default and choices. */
  description: string;
  /** Every spelling a shell may complete: "-o", "--output". */
  flags: string[];
  /** Whether a value follows (required or optional). */
  takesValue: boolean;
  /** Whether the value is optional (--alloc [size]): completing it is not required. */
  valueOptional: boolean;
  /** The allowed values, when commander knows them (--format). */
  choices: readonly string[];
  /** The value's placeholder without brackets ("file", "format"): hints what to complete. */
  valueName: string | null;
}

export interface ArgumentDoc {
  name: string;
  description: string;
  variadic: boolean;
  choices: readonly string[];
}

export interface CommandDoc {
  name: string;
  /** "list [options]" as in `rdma-probe list --help`'s usage line. */
  usage: string;
  description: string;
  options: OptionDoc[];
  arguments: ArgumentDoc[];
  /** The text the command prints after its options in --help (examples, notes). */
  afterHelp: string;
}

export interface ProgramDoc {
  name: string;
  version: string;
  description: string;
  options: OptionDoc[];
  commands: CommandDoc[];
  afterHelp: string;
}

export function describeProgram(program: Command): ProgramDoc {
  const help = program.createHelp();
  return {
    name: program.name(),
    version: program.version() ?? '',
    description: program.description(),
    options: help.visibleOptions(program).map((option) => describeOption(option, help)),
    commands: help
      .visibleCommands(program)
      .filter((command) => command.name() !== 'help')
      .map((command) => describeCommand(command)),
    afterHelp: afterHelpOf(program),
  };
}

function describeCommand(command: Command): CommandDoc {
  const help = command.createHelp();
  return {
    name: command.name(),
    usage: `${command.name()} ${command.usage()}`.trim(),
    description: command.description(),
    options: help.visibleOptions(command).map((option) => describeOption(option, help)),
    arguments: help.visibleArguments(command).map((argument) => ({
      name: argument.name(),
      description: argument.description,
      variadic: argument.variadic,
      choices: argument.argChoices ?? [],
    })),
    afterHelp: afterHelpOf(command),
  };
}

function describeOption(option: Option, help: ReturnType<Command['createHelp']>): OptionDoc {
  const placeholder = /[<[]([^\]>]+)[\]>]/.exec(option.flags)?.[1] ?? null;
  return {
    term: help.optionTerm(option),
    description: help.optionDescription(option),
    flags: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
    takesValue: option.required || option.optional,
    valueOptional: option.optional,
    choices: option.argChoices ?? [],
    valueName: placeholder,
  };
}

/**
 * The text `addHelpText('after', …)` attached: commander keeps it as a listener of the
 * 'afterHelp' event, which is emitted here with a context that collects what it writes.
 */
function afterHelpOf(command: Command): string {
  let text = '';
  // commander's Command is an EventEmitter; its type declarations leave that out.
  (command as unknown as EventEmitter).emit('afterHelp', {
    error: false,
    command,
    write: (chunk: string) => (text += chunk),
  });
  return text;
}
