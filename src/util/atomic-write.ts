// Writing a whole file so that a reader (or a browser reloading a report) never sees half of it: the
// text goes to a temporary file in the same folder, is flushed to disk, then renamed over the target
// (a rename within one file system is atomic). Main thread; node:fs only.
import { OutputWriteError } from '../errors.js';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    // One line for the CLI (a full disk, a read-only folder): what failed, and that nothing is torn.
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOSPC' ? 'no space left on device (ENOSPC)' : code !== undefined ? `${code}: ${message.split('\n')[0]}` : message;
    throw new OutputWriteError(`cannot write ${path}: ${reason}; ${path} is unchanged`, { cause: error });
  }
  syncFolder(dirname(path));
}

/** Makes a rename into `folder` durable; best effort (some systems cannot open a folder to sync it). */
export function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // What was renamed is complete and in place either way.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
