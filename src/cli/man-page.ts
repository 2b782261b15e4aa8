/**
 * rdma-probe(1), written from the commander program (see command-docs.ts): the commands,
 * their options as --help describes them, and the text each command's --help ends with
 * (examples, environment, exit codes) as sections. scripts/build-man.mjs writes it to
 * man/rdma-probe.1; a test regenerates it and fails on any difference.
 */
import type { CommandDoc, OptionDoc, ProgramDoc } from './command-docs.js';

/** Other manual pages a reader of this one wants. */
export const MAN_PAGE_SEE_ALSO = ['vulkaninfo(1)', 'nvidia-smi(1)', 'ibv_devices(1)'];

/** Headings of the help text that have a conventional man page section name. */
const SECTION_NAMES: Readonly<Record<string, string>> = {
  'Exit codes': 'EXIT STATUS',
  Environment: 'ENVIRONMENT',
  Examples: 'EXAMPLES',
};

export function renderManPage(doc: ProgramDoc, seeAlso: readonly string[]): string {
  const out: string[] = [
    `.TH ${text(doc.name.toUpperCase())} 1 "" "${text(`${doc.name} ${doc.version}`)}" "User Commands"`,
    '.SH NAME',
    `${text(doc.name)} \\- ${text(doc.description.split(/(?<=[.?!])\s/)[0] ?? doc.description)}`,
    '.SH SYNOPSIS',
    ...doc.commands.flatMap((command, i) => [
      ...(i > 0 ? ['.br'] : []),
      `.B ${text(doc.name)}`,
      text(command.usage),
    ]),
    '.br',
    `.B ${text(doc.name)}`,
    text('--version | --help'),
    '.SH DESCRIPTION',
    text(doc.description),
    '.SH OPTIONS',
    ...doc.options.flatMap(optionItem),
    '.SH COMMANDS',
  ];
  const programBlocks = helpBlocks(doc.afterHelp);
  const shared = new Set(programBlocks.map((block) => JSON.stringify(block)));
  for (const command of doc.commands) out.push(...commandSection(doc.name, command, shared));
  for (const block of programBlocks) {
    if (block.heading === null) continue; // "Run '... --help'": the page holds all of it
    out.push(`.SH ${text(SECTION_NAMES[block.heading] ?? block.heading.toUpperCase())}`);
    out.push(...preformatted(block.lines));
  }
  out.push(
    '.SH SEE ALSO',
    seeAlso.map((page) => `.BR ${text(page.replace('(', ' ('))}`).join(',\n'),
  );
  return `${out.join('\n')}\n`;
}

function commandSection(program: string, command: CommandDoc, shared: Set<string>): string[] {
  const out = [`.SS "${text(`${program} ${command.usage}`)}"`, text(command.description)];
  if (command.arguments.length > 0) {
    out.push('.PP', 'Arguments:');
    for (const argument of command.arguments) {
      out.push('.TP', `.I ${text(argument.name + (argument.variadic ? '...' : ''))}`);
      out.push(text(argument.description));
    }
  }
  if (command.options.length > 0)
    out.push('.PP', 'Options:', ...command.options.flatMap(optionItem));
  for (const block of helpBlocks(command.afterHelp)) {
    // The exit codes every command repeats are written once, in EXIT STATUS.
    if (shared.has(JSON.stringify(block))) continue;
    if (block.heading === null) out.push('.PP', ...preformatted(block.lines));
    else out.push('.PP', `${text(block.heading)}:`, ...preformatted(block.lines));
  }
  return out;
}

function optionItem(option: OptionDoc): string[] {
  return ['.TP', `.B ${text(option.term)}`, text(option.description)];
}

interface HelpBlock {
  /** "Examples", "Environment"...; null for text before any heading. */
  heading: string | null;
  lines: string[];
}

/** Help text cut at its "Heading:" lines; blank lines at either end of a block dropped. */
function helpBlocks(help: string): HelpBlock[] {
  const blocks: HelpBlock[] = [];
  let current: HelpBlock = { heading: null, lines: [] };
  for (const line of help.split('\n')) {
    const heading = /^([A-Z][A-Za-z ]*):$/.exec(line);
    if (heading) {
      blocks.push(current);
      current = { heading: heading[1]!, lines: [] };
    } else {
      current.lines.push(line.trimEnd());
    }
  }
  blocks.push(current);
  return blocks
    .map((block) => ({ ...block, lines: trimBlank(block.lines) }))
    .filter((block) => block.lines.length > 0);
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start] === '') start++;
  while (end > start && lines[end - 1] === '') end--;
  return lines.slice(start, end);
}

/** Lines shown as they are (no filling, no adjusting), indented like --help. */
function preformatted(lines: string[]): string[] {
  return ['.nf', ...lines.map((line) => text(line)), '.fi'];
}

/**
 * Text as roff prints it: backslashes escaped, '-' as \- (an ASCII minus, so that options
 * and commands copied from the page still work), characters beyond ASCII by their Unicode
 * names (\[u2019]), and a line that would start with '.' or
 * "'" (a roff request) protected with \&.
 */
function text(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    // groff reads its input as Latin-1 unless told otherwise: name other characters.
    .replace(
      /[^\p{ASCII}]/gu,
      (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`,
    );
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}
