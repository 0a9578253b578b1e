// Usage lines and help texts, made from the command table (options.ts): `tasksieve --help` lists the
// commands, `tasksieve CMD --help` one command's arguments and options. Main thread; pure.
import { COMMANDS, isCommandName, type CommandName, type CommandSpec, type OptionSpec } from './options.js';

const PROGRAM = 'tasksieve';

/** ` PATH`, ` tensorflow|wasm|cpu`, or '' for a flag: what follows the option's name. */
function valueSyntax(option: OptionSpec): string {
  if (option.type === 'boolean') return '';
  return ` ${option.type === 'enum' ? enumSyntax(option.values) : option.placeholder}`;
}

/** An enum's values as a usage line writes them: `|` quoted (it separates them), a control character (a literal tab) left to its name. */
function enumSyntax(values: readonly string[]): string {
  return values
    .filter((v) => !/[\u0000-\u001f]/.test(v))
    .map((v) => (v === '|' ? '"|"' : v))
    .join('|');
}

/** `--db PATH`, `-o FILE` (the short alias when there is one), `--json`. */
function optionSyntax(name: string, option: OptionSpec): string {
  return `${option.short !== undefined ? `-${option.short}` : `--${name}`}${valueSyntax(option)}`;
}

function isRequired(option: OptionSpec): boolean {
  return option.type === 'string' && option.required !== undefined;
}

/** `tasksieve run STUDY.yaml [--db PATH] [--trials N] …`: required options without brackets. */
export function usageLine(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const parts = [PROGRAM, name, ...spec.positionals.map((p) => p.name)];
  for (const [option, optionSpec] of Object.entries(spec.options)) {
    const syntax = optionSyntax(option, optionSpec);
    parts.push(isRequired(optionSpec) ? syntax : `[${syntax}]`);
  }
  return parts.join(' ');
}

/** Two columns: the terms padded to the longest (up to a limit), then their descriptions. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(32, Math.max(...rows.map(([term]) => term.length)));
  return rows.map(([term, text]) => (term.length > width ? `  ${term}\n  ${' '.repeat(width)}  ${text}` : `  ${term.padEnd(width)}  ${text}`));
}

function optionDescription(option: OptionSpec): string {
  const notes: string[] = [];
  if (option.type === 'int' && option.min !== undefined) notes.push(`at least ${option.min}`);
  if ((option.type === 'int' || option.type === 'enum') && option.default !== undefined) notes.push(`default ${option.default}`);
  if (isRequired(option)) notes.push('required');
  if (notes.length === 0) return option.description;
  // Into the description's own closing parenthesis when it ends with one: `(default: …; at least 1)`.
  const text = option.description;
  return text.endsWith(')') ? `${text.slice(0, -1)}; ${notes.join('; ')})` : `${text} (${notes.join('; ')})`;
}

/** `tasksieve CMD --help`. */
export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const lines = [`usage: ${usageLine(name)}`, '', spec.summary];
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:', ...columns(spec.positionals.map((p) => [p.name, p.description])));
  }
  const options = Object.entries(spec.options).map(([option, optionSpec]): [string, string] => {
    const term = `${optionSpec.short !== undefined ? `-${optionSpec.short}, ` : ''}--${option}${valueSyntax(optionSpec)}`;
    return [term, optionDescription(optionSpec)];
  });
  lines.push('', 'Options:', ...columns([...options, ['-h, --help', 'print this help']]));
  return lines.join('\n');
}

/** `tasksieve --help`, `tasksieve help`, and `tasksieve` alone. */
export function programHelp(): string {
  const lines = [`${PROGRAM}: search transfer-learning recipes and the source tasks to transfer from`, '', 'Commands:'];
  for (const name of Object.keys(COMMANDS).filter(isCommandName)) lines.push(`  ${usageLine(name)}`, `      ${COMMANDS[name].summary}`);
  lines.push(
    '',
    `${PROGRAM} COMMAND --help (or ${PROGRAM} help COMMAND) describes a command's arguments and options; ${PROGRAM} --version prints the version.`,
    'Exit codes: 0 ok, 1 internal error, 2 bad input, 3 study not finished (--no-wait), 130 interrupted.',
  );
  return lines.join('\n');
}
