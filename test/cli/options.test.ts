// The command table and the checks made from it (src/cli/options.ts): each rule on its own, with the
// exact one-line message the CLI prints after `tasksieve CMD: ` (exit 2).
import { describe, expect, it } from 'vitest';
import { StudyConfigError } from '../../src/errors.js';
import { usageLine } from '../../src/cli/help.js';
import {
  checkOption,
  COMMANDS,
  isCommandName,
  optionLabel,
  parseArgsOptions,
  parseCommand,
  wantsHelp,
  type CommandName,
  type OptionSpec,
} from '../../src/cli/options.js';

const NAMES = Object.keys(COMMANDS).filter(isCommandName);

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StudyConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a StudyConfigError');
}

const parse = <N extends CommandName>(name: N, argv: string[]) => parseCommand(name, argv, usageLine(name));

describe('whole numbers (--top, --workers, --trials, …)', () => {
  const top: OptionSpec = { type: 'int', placeholder: 'N', description: 'rows' };
  it('digits only, surrounding blanks allowed', () => {
    expect(checkOption('top', top, '5')).toBe(5);
    expect(checkOption('top', top, ' 7 ')).toBe(7);
    expect(checkOption('top', top, '0')).toBe(0);
  });
  it('anything else: "must be a whole number", quoting what was given', () => {
    for (const raw of ['x', '1.5', '-1', '1e3', '', '0x10', '99999999999999999999']) {
      expect(message(() => checkOption('top', top, raw))).toBe(`--top: must be a whole number (got "${raw}")`);
    }
  });
  it('absent: undefined, or the default', () => {
    expect(checkOption('top', top, undefined)).toBeUndefined();
    expect(checkOption('top', { ...top, default: 10 }, undefined)).toBe(10);
  });
  it('a minimum: "must be at least"', () => {
    const count: OptionSpec = { type: 'int', placeholder: 'N', min: 1, description: 'count' };
    expect(message(() => checkOption('count', count, '0'))).toBe('--count: must be at least 1 (got 0)');
    expect(checkOption('count', count, '1')).toBe(1);
  });
});

describe('one of a list (--backend, --by, --format)', () => {
  const backend: OptionSpec = { type: 'enum', values: ['tensorflow', 'wasm', 'cpu'], description: 'backend' };
  it('a listed word is kept', () => {
    expect(checkOption('backend', backend, 'wasm')).toBe('wasm');
  });
  it('anything else: "must be one of" the list, in its order', () => {
    expect(message(() => checkOption('backend', backend, 'gpu'))).toBe('--backend: must be one of tensorflow, wasm, cpu (got "gpu")');
    expect(message(() => checkOption('backend', backend, 'WASM'))).toBe('--backend: must be one of tensorflow, wasm, cpu (got "WASM")');
  });
  it('a list of two: "must be A or B"', () => {
    const format: OptionSpec = { type: 'enum', values: ['csv', 'json'], default: 'csv', description: 'format' };
    expect(message(() => checkOption('format', format, 'xml'))).toBe('--format: must be csv or json (got "xml")');
    expect(checkOption('format', format, undefined)).toBe('csv');
  });
});

describe('strings and flags', () => {
  it('a required string: its own message when missing or empty, naming the option by its short alias', () => {
    const output: OptionSpec = { type: 'string', short: 'o', placeholder: 'FILE', required: 'the file is required', description: 'out' };
    expect(message(() => checkOption('output', output, undefined))).toBe('-o: the file is required');
    expect(message(() => checkOption('output', output, ''))).toBe('-o: the file is required');
    expect(checkOption('output', output, 'r.html')).toBe('r.html');
  });
  it('a string the command checks itself (required: true) is passed through, even when absent', () => {
    const to: OptionSpec = { type: 'string', placeholder: 'URL', required: true, description: 'to' };
    expect(checkOption('to', to, undefined)).toBeUndefined();
  });
  it('a flag is true when given, false otherwise', () => {
    const json: OptionSpec = { type: 'boolean', description: 'json' };
    expect(checkOption('json', json, true)).toBe(true);
    expect(checkOption('json', json, undefined)).toBe(false);
  });
  it('messages name an option by its short alias when it has one', () => {
    expect(optionLabel('output', { type: 'string', short: 'o', placeholder: 'F', description: '' })).toBe('-o');
    expect(optionLabel('top', { type: 'int', placeholder: 'N', description: '' })).toBe('--top');
  });
});

describe('parseCommand', () => {
  it('gives typed values: numbers, words, flags, defaults', () => {
    const { args, options } = parse('leaderboard', ['my-study', '--top', '3', '--by', 'worst', '--json']);
    expect(args).toEqual(['my-study']);
    expect(options).toEqual({ db: undefined, top: 3, by: 'worst', subsets: false, pareto: false, json: true });
    expect(parse('leaderboard', ['s']).options.top).toBe(10);
    expect(parse('export', ['s', '-o', 'out.csv']).options).toEqual({ db: undefined, format: 'csv', output: 'out.csv' });
  });
  it('the number of arguments, with the usage line', () => {
    expect(message(() => parse('leaderboard', []))).toBe(`expected 1 argument(s); usage: ${usageLine('leaderboard')}`);
    expect(message(() => parse('studies', ['extra']))).toBe('expected 0 argument(s); usage: tasksieve studies [--db PATH] [--json]');
  });
  it("an unknown option or a missing value is node:util's parse error (printed on one line by main)", () => {
    expect(() => parse('studies', ['--bogus'])).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }));
    expect(() => parse('leaderboard', ['s', '--top'])).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' }));
  });
  it('checks the options in table order: the first wrong one is named', () => {
    expect(message(() => parse('report', ['s', '--top', 'x']))).toMatch(/^-o: /);
    expect(message(() => parse('run', ['s.yaml', '--trials', 'x', '--backend', 'gpu']))).toBe('--trials: must be a whole number (got "x")');
  });
});

describe('the table', () => {
  it('every command has a summary, and every option a description and a valid short alias', () => {
    for (const name of NAMES) {
      const spec = COMMANDS[name];
      expect(spec.summary.length, name).toBeGreaterThan(10);
      const shorts = Object.values(spec.options).flatMap((o: OptionSpec) => (o.short !== undefined ? [o.short] : []));
      expect(new Set(shorts).size, `${name}: short aliases are unique`).toBe(shorts.length);
      for (const [option, o] of Object.entries(spec.options) as [string, OptionSpec][]) {
        expect(o.description.length, `${name} --${option}`).toBeGreaterThan(3);
        expect(option).toMatch(/^[a-z][a-z-]*$/);
        if (o.short !== undefined) expect(o.short).toMatch(/^[a-zA-Z]$/);
        expect(o.short, `${name} --${option}: -h is --help`).not.toBe('h');
      }
    }
  });
  it('parseArgs sees strings for everything but flags, with the short aliases', () => {
    expect(parseArgsOptions(COMMANDS.export)).toEqual({ db: { type: 'string' }, format: { type: 'string' }, output: { type: 'string', short: 'o' } });
    expect(parseArgsOptions(COMMANDS.studies)).toEqual({ db: { type: 'string' }, json: { type: 'boolean' } });
  });
  it('usage lines: arguments, then options in brackets unless required', () => {
    expect(usageLine('report')).toBe('tasksieve report STUDY.yaml|NAME [--db PATH] -o FILE.html [--top N] [--json]');
    expect(usageLine('export')).toBe('tasksieve export STUDY.yaml|NAME [--db PATH] [--format csv|json] [-o FILE]');
    expect(usageLine('migrate')).toBe('tasksieve migrate --from sqlite:PATH --to postgres://USER@HOST/DB [--study NAME] [--json]');
  });
  it('-h / --help anywhere before a -- terminator asks for help', () => {
    expect(wantsHelp(['s', '--json', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['s', '--', '--help'])).toBe(false);
    expect(wantsHelp(['s'])).toBe(false);
  });
});
