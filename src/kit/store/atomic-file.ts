import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces a file's contents all at once: a reader, or the next start after a crash, finds the old contents or
 * the new, never a mix or a truncated file. Writes a temporary file beside it, syncs it, renames it over the
 * old one and syncs the directory, so that the rename survives a power loss too.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    // writeSync has one overload for text and one for bytes; a union matches neither.
    if (typeof contents === 'string') writeSync(fd, contents);
    else writeSync(fd, contents);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(temporary, path);
  const directory = openSync(dirname(path), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
