/**
 * `rdma-probe completion bash|zsh`: shell completion scripts written from the commander
 * program (see command-docs.ts), so that every command, option and choice --help knows is
 * completed, and nothing else. Option values complete as their placeholder suggests: the
 * choices commander knows (--format), file names (<file>, <inputs...>), nothing otherwise.
 */
import type { CommandDoc, OptionDoc, ProgramDoc } from './command-docs.js';
import type { CompletionShell } from './completion-shells.js';

export function renderCompletion(doc: ProgramDoc, shell: CompletionShell): string {
  return shell === 'bash' ? renderBash(doc) : renderZsh(doc);
}

/** What an option's value completes to, in words the two renderers share. */
function valueKind(option: OptionDoc): 'choices' | 'files' | 'none' {
  if (option.choices.length > 0) return 'choices';
  return option.valueName !== null && /file|dir|path|input/i.test(option.valueName)
    ? 'files'
    : 'none';
}

function functionName(doc: ProgramDoc): string {
  return `_${doc.name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Single-quoted for sh: safe for any text. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function renderBash(doc: ProgramDoc): string {
  const name = functionName(doc);
  const commands = doc.commands.map((command) => command.name);
  const lines = [
    `# bash completion for ${doc.name} ${doc.version}, written by \`${doc.name} completion bash\`.`,
    `# Load it with: source <(${doc.name} completion bash)`,
    `${name}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  local command="" i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in',
    `      ${commands.join('|')}) command="\${COMP_WORDS[i]}"; break ;;`,
    '    esac',
    '  done',
    '  case "$command" in',
    `    "") COMPREPLY=($(compgen -W ${quote([...commands, 'help', ...doc.options.flatMap((o) => o.flags)].join(' '))} -- "$cur")); return ;;`,
  ];
  for (const command of doc.commands) lines.push(...bashCommand(command));
  lines.push('  esac', '}', `complete -F ${name} ${doc.name}`, '');
  return lines.join('\n');
}

function bashCommand(command: CommandDoc): string[] {
  const lines = [`    ${command.name})`];
  const valueCases: string[] = [];
  for (const option of command.options) {
    if (!option.takesValue || option.valueOptional) continue;
    const kind = valueKind(option);
    const reply =
      kind === 'choices'
        ? `COMPREPLY=($(compgen -W ${quote(option.choices.join(' '))} -- "$cur"))`
        : kind === 'files'
          ? 'COMPREPLY=($(compgen -f -- "$cur"))'
          : 'COMPREPLY=()';
    valueCases.push(`        ${option.flags.join('|')}) ${reply}; return ;;`);
  }
  if (valueCases.length > 0) lines.push('      case "$prev" in', ...valueCases, '      esac');
  const words = command.options.flatMap((option) => option.flags);
  const positional = command.arguments[0];
  const positionalReply = positional
    ? positional.choices.length > 0
      ? `COMPREPLY=($(compgen -W ${quote(positional.choices.join(' '))} -- "$cur"))`
      : 'COMPREPLY=($(compgen -f -- "$cur"))'
    : 'COMPREPLY=()';
  lines.push(
    `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${quote(words.join(' '))} -- "$cur")); else ${positionalReply}; fi`,
    '      ;;',
  );
  return lines;
}

function renderZsh(doc: ProgramDoc): string {
  const name = functionName(doc);
  const lines = [
    `#compdef ${doc.name}`,
    `# zsh completion for ${doc.name} ${doc.version}, written by \`${doc.name} completion zsh\`.`,
    `# Save it as _${doc.name} in a folder of $fpath, or: source <(${doc.name} completion zsh)`,
    `${name}() {`,
    '  local line state',
    '  _arguments -C \\',
    ...doc.options.map((option) => `    ${zshOption(option)} \\`),
    "    '1: :->command' \\",
    "    '*:: :->arguments'",
    '  case $state in',
    '    command)',
    '      local -a commands',
    '      commands=(',
    ...doc.commands.map(
      (command) => `        ${quote(`${command.name}:${zshText(command.description)}`)}`,
    ),
    '      )',
    "      _describe 'command' commands",
    '      ;;',
    '    arguments)',
    '      case $line[1] in',
  ];
  for (const command of doc.commands) {
    const specs = command.options.map(zshOption);
    const positional = command.arguments[0];
    if (positional) {
      const action = positional.choices.length > 0 ? `(${positional.choices.join(' ')})` : '_files';
      const count = positional.variadic ? '*' : '1';
      specs.push(quote(`${count}:${zshText(positional.name)}:${action}`));
    }
    lines.push(
      `        ${command.name})`,
      `          _arguments ${specs.join(' \\\n            ')}`,
      '          ;;',
    );
  }
  lines.push(
    '      esac',
    '      ;;',
    '  esac',
    '}',
    '',
    `if [[ $zsh_eval_context[-1] == loadautofunc ]]; then`,
    `  ${name} "$@"`,
    'else',
    `  compdef ${name} ${doc.name}`,
    'fi',
    '',
  );
  return lines.join('\n');
}

/** One _arguments spec: '(exclusions)'{-o,--output}'[description]:value:action'. */
function zshOption(option: OptionDoc): string {
  const description = `[${zshText(option.description)}]`;
  const kind = valueKind(option);
  const action =
    kind === 'choices' ? `(${option.choices.join(' ')})` : kind === 'files' ? '_files' : ' ';
  const value = option.takesValue
    ? `${option.valueOptional ? '::' : ':'}${option.valueName ?? 'value'}:${action}`
    : '';
  if (option.flags.length === 1) {
    const flag = option.flags[0]!;
    return quote(`${flag}${longEquals(option, flag)}${description}${value}`);
  }
  const exclusive = `(${option.flags.join(' ')})`;
  return `${quote(exclusive)}{${option.flags.map((flag) => `${flag}${longEquals(option, flag)}`).join(',')}}${quote(`${description}${value}`)}`;
}

/** An optional value can only follow a long option in the same word, as --alloc=SIZE. */
function longEquals(option: OptionDoc, flag: string): string {
  return option.valueOptional && flag.startsWith('--') ? '=-' : '';
}

/** Text inside _arguments' [brackets] and descriptions: no brackets, colons or quotes to break it. */
function zshText(text: string): string {
  return text.replace(/[[\]:]/g, (c) => `\\${c}`).replace(/'/g, '’');
}
