import { readFileSync } from 'node:fs';

/**
 * The mount a path is on: its mount point and file system type (`ext4`, `nfs4`, `fuse.sshfs`, ...).
 * @example
 * const mount: Mount = { mountPoint: '/srv', type: 'nfs4' };
 */
export interface Mount {
  readonly mountPoint: string;
  readonly type: string;
}

/** File systems on which SQLite's locks are not reliable: two processes can both win a claim. */
const NETWORK = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb',
  'smb2',
  'smb3',
  'smbfs',
  '9p',
  'ceph',
  'glusterfs',
  'lustre',
  'gpfs',
  'afs',
  'ncpfs',
  'davfs',
  'coda',
]);

/** File systems in memory: a reboot empties them. */
const MEMORY = new Set(['tmpfs', 'ramfs']);

/**
 * How a file system type bears on a SQLite claim file.
 * @example
 * filesystemKind('tmpfs'); // 'memory'
 */
export type FilesystemKind = 'local' | 'network' | 'fuse' | 'memory';

/**
 * What kind of file system `type` is.
 * @example
 * filesystemKind('nfs4'); // 'network'
 * filesystemKind('fuse.sshfs'); // 'fuse'
 */
export function filesystemKind(type: string): FilesystemKind {
  if (NETWORK.has(type)) return 'network';
  if (type === 'fuse' || type.startsWith('fuse.') || type === 'fuseblk') return 'fuse';
  if (MEMORY.has(type)) return 'memory';
  return 'local';
}

/** A field of /proc/mounts, with its octal escapes (`\040` for a space) undone. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The mount `path` (absolute, symbolic links resolved) is on, from the text of
 * `/proc/mounts`: the longest mount point above it; the last one mounted wins a tie.
 *
 * @example
 * mountOf('/srv/claims/jwt.db', '/dev/vda / ext4 rw 0 0\nnas:/x /srv nfs4 rw 0 0\n'); // { mountPoint: '/srv', type: 'nfs4' }
 */
export function mountOf(path: string, mounts: string): Mount | undefined {
  let best: Mount | undefined;
  for (const line of mounts.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3) continue;
    const mountPoint = unescapeMountField(fields[1]!);
    const under = mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
    if (under && (best === undefined || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, type: fields[2]! };
  }
  return best;
}

/**
 * The mount of `path` on this machine, read from `/proc/mounts` (Linux);
 * `undefined` where there is none to read (macOS, Windows).
 *
 * @example
 * localMountOf('/var/lib/app'); // { mountPoint: '/', type: 'ext4' }
 */
export function localMountOf(path: string): Mount | undefined {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  return mountOf(path, mounts);
}
