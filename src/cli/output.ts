// What the commands print: results on stdout (text lines, aligned tables, or one JSON document),
// notes and warnings on stderr, so stdout stays clean for results. Main thread.

/** One JSON document on one line (what --json prints). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Text as it is (a CSV file, an indented JSON document): it brings its own line ends. */
export function printText(text: string): void {
  process.stdout.write(text);
}

/** Each line, ended by a newline. */
/**
 * A reader that closes stdout early (`tasksieve schema | head`) makes every later write fail with
 * EPIPE, which Node raises as an unhandled error: the command would crash with a stack trace. The
 * output nobody reads is dropped instead and the command ends as it would have (a study keeps
 * running: its results are in the database, not on stdout). Any other stdout error still throws.
 */
export function dropOutputOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export function printLines(...lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  printLines(table(headers, rows));
}

/** On stderr: progress notes, warnings, why a run ended early. */
export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Columns padded to their widest cell, separated by two spaces; a dashed line under the headers. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
