import type * as NodeFs from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

let fs: typeof NodeFs | undefined;
/**
 * `node:fs`, loaded on first use and by a name bundlers do not follow: the
 * main entry must load where there is no file system module (Workers, whose
 * bundlers turn every `require` of a built-in into a static import), and only
 * SQLite needs it.
 */
function nodeFs(): typeof NodeFs {
  const name = 'node:fs';
  const host = globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a require by a name bundlers do not follow (see above)
  fs ??= (host?.getBuiltinModule?.(name) ?? require(name)) as typeof NodeFs;
  return fs;
}

/** Device and inode: what a path names, whatever its name. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}
type Identity = FileIdentity;

/** What `path` names now, or undefined when nothing is there (or it cannot be looked at: ENOTDIR, EACCES). */
export function identityOf(path: string): Identity | undefined {
  let stats;
  try {
    stats = nodeFs().statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  return stats === undefined ? undefined : { dev: stats.dev, ino: stats.ino };
}

/**
 * The file a SQLite connection opened, and its `-wal` and `-shm`, by device
 * and inode. A connection keeps using a file that was deleted or replaced (a
 * tmp cleaner, a deploy, a volume swap) while a process that opens the path
 * afterwards gets another one: two replay domains. {@link unchanged} tells,
 * with one `stat` per file, whether the path still names what was opened.
 */
export class SqliteFileWatch {
  private constructor(
    private readonly paths: string[],
    private readonly identities: Identity[],
  ) {}

  /**
   * Records what `file`, `file-wal` and `file-shm` are now. Call it once the
   * connection has the file open (WAL on): a `-wal` or `-shm` that does not
   * exist yet is not watched.
   * @returns undefined when `file` itself is missing: the connection is on a deleted file.
   */
  static record(file: string): SqliteFileWatch | undefined {
    const paths: string[] = [];
    const identities: Identity[] = [];
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      const identity = identityOf(path);
      if (identity === undefined) {
        if (path === file) return undefined;
        continue;
      }
      paths.push(path);
      identities.push(identity);
    }
    return new SqliteFileWatch(paths, identities);
  }

  /** The identity recorded for the database file itself. */
  get database(): FileIdentity {
    return this.identities[0]!;
  }

  /** True while every watched path still names the file recorded at open. */
  unchanged(): boolean {
    for (let i = 0; i < this.paths.length; i++) {
      const now = identityOf(this.paths[i]!);
      const then = this.identities[i]!;
      if (now === undefined || now.dev !== then.dev || now.ino !== then.ino) return false;
    }
    return true;
  }
}

/**
 * The file a `@keyv/sqlite` path names, absolute, or undefined for a database
 * with no file to watch (`:memory:`, `''`, a `file:` URI).
 */
export function sqliteFilePath(db: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (db === undefined || db === '' || db === ':memory:' || db.startsWith('file:')) return undefined;
  return isAbsolute(db) ? db : resolve(cwd, db);
}

/**
 * Creates the directories above `file` that are missing, readable by this
 * user only (mode 0700, as the umask allows). Directories that exist are left
 * as they are.
 */
export function ensureDirectoryOf(file: string): void {
  nodeFs().mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
}
