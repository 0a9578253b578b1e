// Writing a whole file so that a reader (or a browser reloading a report) never sees half of it: the
// text goes to a temporary file in the same folder, is flushed to disk, then renamed over the target
// (a rename within one file system is atomic). Main thread; node:fs only.
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
    throw error;
  }
  syncFolder(dirname(path));
}

/** Makes the rename itself durable; best effort (some systems cannot open a folder to sync it). */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // The file is complete and in place either way.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
