// Help, version and argument errors through the real CLI: `tasksieve CMD --help` for every command
// (stdout, exit 0, the usage line and every option), `tasksieve --help`, `--version`, and an unknown
// option or command (one line on stderr, exit 2).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageLine } from '../../src/cli/help.js';
import { COMMANDS, isCommandName } from '../../src/cli/options.js';
import { BIN, cli, ROOT, tempDir } from '../helpers/cli.js';

const NAMES = Object.keys(COMMANDS).filter(isCommandName);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('tasksieve CMD --help', () => {
  it.each(NAMES)('%s --help: the usage line, the summary and every option, on stdout, exit 0', (name) => {
    const r = cli([name, '--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`usage: ${usageLine(name)}`);
    expect(r.stdout).toContain(COMMANDS[name].summary);
    for (const option of Object.keys(COMMANDS[name].options)) {
      expect(lines.some((l) => new RegExp(`^  (-\\w, )?--${option}\\b`).test(l)), `--${option} listed`).toBe(true);
    }
    expect(r.stdout).toMatch(/^ {2}-h, --help +print this help$/m);
  });

  it('-h, `help CMD`, and --help after other arguments print the same; nothing is run or checked', () => {
    const help = cli(['leaderboard', '--help']).stdout;
    expect(cli(['leaderboard', '-h']).stdout).toBe(help);
    expect(cli(['help', 'leaderboard']).stdout).toBe(help);
    // A missing database and a bad value are not looked at.
    const r = cli(['leaderboard', 'nope', '--db', join(tempDir(), 'none.db'), '--top', 'x', '--help']);
    expect(r).toMatchObject({ status: 0, stderr: '', stdout: help });
  });
});

describe('tasksieve --help, help, --version', () => {
  it('--help and help list every command with its usage line, exit 0', () => {
    const r = cli(['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const name of NAMES) expect(r.stdout).toContain(`  ${usageLine(name)}\n      ${COMMANDS[name].summary}\n`);
    expect(cli(['help']).stdout).toBe(r.stdout);
    expect(cli(['-h']).stdout).toBe(r.stdout);
  });

  it('no command at all: the same help, exit 2', () => {
    const r = cli([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe(cli(['--help']).stdout);
  });

  it('--version and -V print the version of package.json, exit 0', () => {
    for (const flag of ['--version', '-V']) {
      expect(cli([flag])).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
    }
  });
});

describe('argument errors: one line on stderr, exit 2', () => {
  it('an unknown option', () => {
    const r = cli(['studies', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(/^tasksieve studies: Unknown option '--bogus'/);
  });

  it('an unknown command, also after help', () => {
    for (const args of [['nope'], ['help', 'nope']]) {
      const r = cli(args);
      expect(r).toMatchObject({ status: 2, stdout: '' });
      expect(r.stderr).toBe(`tasksieve: unknown command "nope" (commands: ${NAMES.join(', ')})\n`);
    }
  });

  it('a wrong number of arguments names the usage line', () => {
    const r = cli(['export']);
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe(`tasksieve export: expected 1 argument(s); usage: ${usageLine('export')}\n`);
  });
});

describe('a reader that closes stdout early', () => {
  it('`tasksieve schema | head -c 10`: exit 0, nothing on stderr (no EPIPE crash)', () => {
    // The schema is ~270 KB: far more than a pipe holds, so the writes after head exits fail with EPIPE.
    const stderr = join(tempDir(), 'stderr.txt');
    const script = `"${process.execPath}" "${BIN}" schema 2>"${stderr}" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const piped = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(piped.stdout.trim()).toBe('0');
    expect(readFileSync(stderr, 'utf8')).toBe('');
  });
});
