import { closeSync, constants, existsSync, openSync, readSync, realpathSync, statSync, accessSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openStore } from '../stores/resolve-store.js';
import type { Finding } from './finding.js';
import { filesystemKind, localMountOf } from './filesystem.js';
import { roundTrip, throwawayKey } from './round-trip.js';

/** The first 16 bytes of every SQLite database file. */
const MAGIC = 'SQLite format 3\0';

/**
 * The database file a `sqlite://` URL names, as `openStore` resolves it (relative to the working directory);
 * `undefined` when it names none.
 * @example
 * sqliteFileOf('sqlite://var/claims.db'); // '<cwd>/var/claims.db'
 * sqliteFileOf('sqlite:///var/lib/app/claims.db'); // '/var/lib/app/claims.db'
 */
export function sqliteFileOf(url: string): string | undefined {
  const path = decodeURIComponent(url.slice('sqlite://'.length).split('?')[0]!);
  if (path === '') return undefined;
  return path === ':memory:' ? path : resolve(path);
}

/** Whether this user may write `path` (and, for a directory, enter it). */
function writable(path: string, directory = true): boolean {
  try {
    accessSync(path, directory ? constants.W_OK | constants.X_OK : constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The nearest directory above `path` (or `path` itself) that exists. */
function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

function directoryFinding(directory: string): Finding {
  if (!existsSync(directory)) {
    const parent = nearestExisting(directory);
    return writable(parent)
      ? { check: 'directory', status: 'pass', found: `${directory} does not exist; the store creates it (mode 0700)` }
      : {
          check: 'directory',
          status: 'fail',
          found: `${directory} does not exist, and ${parent} is not writable: every claim fails (503)`,
          fix: `create ${directory} writable by the app's user`,
        };
  }
  const stats = statSync(directory);
  if (!stats.isDirectory())
    return {
      check: 'directory',
      status: 'fail',
      found: `${directory} is not a directory: every claim fails (503)`,
      fix: 'choose another path',
    };
  if (!writable(directory))
    return {
      check: 'directory',
      status: 'fail',
      found: `${directory} (mode ${octal(stats.mode)}) is not writable by this user: SQLite cannot create the -wal and -shm files`,
      fix: `chown the directory to the app's user, or chmod u+w ${directory}`,
    };
  if ((stats.mode & 0o002) !== 0 && (stats.mode & 0o1000) === 0)
    return {
      check: 'directory',
      status: 'warn',
      found: `${directory} (mode ${octal(stats.mode)}) is writable by every user: anyone can delete or replace the claim file`,
      fix: `chmod 700 ${directory} (or 750 for a shared group)`,
    };
  return { check: 'directory', status: 'pass', found: `${directory} (mode ${octal(stats.mode)}), writable` };
}

function permissionFinding(file: string): Finding {
  const problems: string[] = [];
  let owner = '';
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue;
    const stats = statSync(path);
    if (path === file) owner = `owner uid ${stats.uid}, mode ${octal(stats.mode)}`;
    if (!stats.isFile()) problems.push(`${path} is not a regular file`);
    else if (!writable(path, false)) problems.push(`${path} is not writable by this user`);
    else if ((stats.mode & 0o002) !== 0) problems.push(`${path} (mode ${octal(stats.mode)}) is writable by every user`);
  }
  if (problems.length === 0) return { check: 'permissions', status: 'pass', found: `${owner}; writable by this user, not by others` };
  const failed = problems.some((p) => !p.endsWith('by every user'));
  return {
    check: 'permissions',
    status: failed ? 'fail' : 'warn',
    found: problems.join('; '),
    fix: failed ? `chown the files to the app's user` : `chmod 600 ${file} ${file}-wal ${file}-shm`,
  };
}

/** The journal mode the file's header says it is in: `wal`, `rollback`, `empty`, or `not-sqlite`. */
function journalOf(file: string): 'wal' | 'rollback' | 'empty' | 'not-sqlite' {
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (read === 0) return 'empty';
  if (read < 100 || header.toString('latin1', 0, 16) !== MAGIC) return 'not-sqlite';
  return header[18] === 2 && header[19] === 2 ? 'wal' : 'rollback'; // file format write/read versions: 2 is WAL
}

function walFinding(file: string): Finding {
  const journal = journalOf(file);
  if (journal === 'not-sqlite')
    return {
      check: 'wal',
      status: 'fail',
      found: `${file} is not a SQLite database: every claim fails (503)`,
      fix: 'point the URL at another file',
    };
  if (journal === 'wal') return { check: 'wal', status: 'pass', found: 'journal_mode WAL' };
  if (journal === 'empty') return { check: 'wal', status: 'pass', found: 'empty file: the store sets WAL when it opens it' };
  return {
    check: 'wal',
    status: 'warn',
    found: 'rollback journal, not WAL: the store switches it to WAL when it opens it; if it cannot, every claim fails',
    fix: `open it once with jwt-once, or sqlite3 ${file} 'PRAGMA journal_mode=WAL'`,
  };
}

function filesystemFinding(directory: string): Finding {
  let real: string;
  try {
    real = realpathSync(nearestExisting(directory));
  } catch {
    real = directory;
  }
  const mount = localMountOf(real);
  if (mount === undefined) return { check: 'filesystem', status: 'unknown', found: 'cannot tell: no /proc/mounts on this system' };
  const found = `${mount.type} (mounted at ${mount.mountPoint})`;
  switch (filesystemKind(mount.type)) {
    case 'network':
      return {
        check: 'filesystem',
        status: 'warn',
        found: `${found}: a network file system; SQLite's locks are not reliable there, so two processes can both win a claim`,
        fix: 'put the file on a local disk, or use redis:// or postgres:// for a fleet',
      };
    case 'fuse':
      return {
        check: 'filesystem',
        status: 'warn',
        found: `${found}: a FUSE file system; SQLite's locking there depends on the implementation (sshfs, s3fs: unreliable)`,
        fix: 'put the file on a local disk',
      };
    case 'memory':
      return {
        check: 'filesystem',
        status: 'warn',
        found: `${found}: in memory; a reboot empties it and every token can be replayed once`,
        fix: 'put the file on a disk (e.g. under /var/lib)',
      };
    default:
      return { check: 'filesystem', status: 'pass', found: `${found}: local` };
  }
}

/**
 * Every SQLite check: the directory, the file's permissions, WAL mode, the
 * file system (network, FUSE or memory warns); then a claim, a replay and a
 * release through the URL store on a throwaway key. The round trip is left
 * out when the file does not exist yet (it would create it) or belongs to
 * another user (SQLite would create `-wal`/`-shm` owned by this one).
 *
 * @example
 * const findings = await checkSqlite('sqlite:///var/lib/app/jwt-once.db', 5000);
 */
export async function checkSqlite(url: string, timeout: number): Promise<Finding[]> {
  const file = sqliteFileOf(url);
  if (file === undefined)
    return [
      { check: 'path', status: 'fail', found: 'the URL names no file', fix: 'sqlite://relative/path.db or sqlite:///absolute/path.db' },
    ];
  if (file === ':memory:')
    return [
      {
        check: 'path',
        status: 'fail',
        found: 'an in-memory database: each process has its own, so a token passes once per process and again after a restart',
        fix: 'name a file: sqlite:///var/lib/app/jwt-once.db',
      },
    ];
  const directory = dirname(file);
  const findings: Finding[] = [directoryFinding(directory), filesystemFinding(directory)];
  if (!existsSync(file)) {
    findings.push({ check: 'file', status: 'pass', found: `${file} does not exist yet; the store creates it on its first claim` });
    findings.push({ check: 'round-trip', status: 'skip', found: 'not run: it would create the file' });
    return findings;
  }
  findings.push(permissionFinding(file), walFinding(file));
  const ownerUid = statSync(file).uid;
  const myUid = process.getuid?.();
  if (findings.some((f) => f.status === 'fail')) {
    findings.push({ check: 'round-trip', status: 'skip', found: 'not run: fix the failures above first' });
  } else if (myUid !== undefined && myUid !== ownerUid) {
    findings.push({
      check: 'round-trip',
      status: 'skip',
      found: `not run: the file belongs to uid ${ownerUid}, and SQLite would create -wal/-shm files owned by uid ${myUid}`,
      fix: `run the doctor as the app's user (uid ${ownerUid}) to try a claim`,
    });
  } else {
    const store = openStore(url);
    try {
      findings.push(await roundTrip(store, throwawayKey(), timeout));
    } finally {
      await store.close?.();
    }
  }
  return findings;
}
