import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';

// better-sqlite3 reads this once, when its native addon loads at the first database opened in the process;
// without it SQLite takes "file:…?immutable=1" for a plain file name.
process.env.SQLITE_USE_URI = '1';

/** `%`, `?` and `#` mean something in a URI path; every other character stands for itself. */
function fileUri(path: string): string {
  return `file://${resolve(path).replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}?immutable=1`;
}

/**
 * Opens a database that nothing changes while it is open as immutable: SQLite then takes no locks and creates no
 * -shm or -wal beside it. Read-only connections to a WAL database otherwise create its -shm, so they fail in a
 * read-only directory or volume. The seed never edits the file in place: it renames a new one over it, and a
 * reader that opened the old one goes on reading it whole.
 */
export function openImmutable(path: string): Database.Database {
  try {
    return new Database(fileUri(path), { readonly: true, fileMustExist: true });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'SQLITE_CANTOPEN') throw err;
    throw new Error(`cannot open ${path}: ${readable(path) ? 'URI file names are off, since another SQLite database was opened in this process before the sales store was loaded' : 'this user may not read it'}`, { cause: err });
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
