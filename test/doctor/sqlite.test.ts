// `jwt-once doctor sqlite://...` run as a child process on real SQLite files
// in a temporary directory: a file the store wrote (WAL) passes with a round
// trip that leaves no row; a rollback-journal file warns; a file every user
// may write warns (fails with --strict); a file that is not SQLite and an
// in-memory database fail; a missing file is not created. And the file
// system check on mount tables naming NFS, CIFS, sshfs and tmpfs.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/index.js';
import { filesystemKind, localMountOf, mountOf } from '../../src/doctor/filesystem.js';
import { doctorJson, expectReportShape, finding, runDoctor } from './run-doctor.js';

describe('jwt-once doctor on SQLite', () => {
  jest.setTimeout(120_000);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-doctor-'));
    chmodSync(dir, 0o700);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A database file written by the store itself (WAL), closed again. */
  async function storeFile(name: string): Promise<string> {
    const file = join(dir, name);
    const store = openStore(`sqlite://${file}`);
    expect(await store.claim('seed', Date.now() + 60_000, Date.now(), 'seed')).toBe(true);
    await store.close?.();
    return file;
  }

  it('passes a file the store wrote (exit 0): directory, WAL, local file system, permissions, round trip, no row left', async () => {
    const file = await storeFile('claims.db');
    chmodSync(file, 0o600);
    const { status, report, stderr } = await doctorJson(`sqlite://${file}`);
    expectReportShape(report);
    expect(stderr).toBe('');
    expect(report.kind).toBe('sqlite');
    expect(finding(report, 'directory')).toMatchObject({ status: 'pass', found: `${dir} (mode 0700), writable` });
    expect(finding(report, 'wal')).toEqual({ check: 'wal', status: 'pass', found: 'journal_mode WAL' });
    expect(finding(report, 'permissions').status).toBe('pass');
    expect(finding(report, 'round-trip')).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('claim won, replay refused, release freed it'),
    });
    const mount = localMountOf(dir)!;
    const kind = filesystemKind(mount.type);
    expect(finding(report, 'filesystem')).toMatchObject({
      status: kind === 'local' ? 'pass' : 'warn',
      found: expect.stringContaining(mount.type),
    });
    expect(status).toBe(kind === 'local' ? 0 : status);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare("SELECT key FROM keyv WHERE key LIKE '%jwt-once-doctor%'").all()).toEqual([]);
      expect(db.prepare("SELECT count(*) AS n FROM keyv WHERE key LIKE '%seed'").get()).toEqual({ n: 1 }); // the app's claims stay
    } finally {
      db.close();
    }
  });

  it('warns on a rollback-journal file, and on a file every user may write (exit 1 with --strict)', async () => {
    const file = join(dir, 'rollback.db');
    const db = new Database(file);
    db.exec('CREATE TABLE keyv (key VARCHAR(255) PRIMARY KEY, value TEXT)');
    db.close();
    chmodSync(file, 0o666);
    const { status, report } = await doctorJson(`sqlite://${file}`);
    expectReportShape(report);
    expect(finding(report, 'wal')).toMatchObject({ status: 'warn', found: expect.stringContaining('rollback journal') });
    expect(finding(report, 'permissions')).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('(mode 0666) is writable by every user'),
    });
    expect(finding(report, 'permissions').fix).toContain('chmod 600');
    expect(status).toBe(0);
    const strict = await runDoctor(['doctor', `sqlite://${file}`, '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/^WARN +permissions/m);
  });

  it('fails a file that is not a SQLite database, and an in-memory database (exit 1)', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'not a database, but long enough to hold a header of one hundred bytes: '.repeat(3));
    const notSqlite = await doctorJson(`sqlite://${file}`);
    expect(notSqlite.status).toBe(1);
    expect(finding(notSqlite.report, 'wal')).toMatchObject({ status: 'fail', found: expect.stringContaining('is not a SQLite database') });
    expect(finding(notSqlite.report, 'round-trip').status).toBe('skip');
    const memory = await doctorJson('sqlite://:memory:');
    expect(memory.status).toBe(1);
    expect(finding(memory.report, 'path')).toMatchObject({ status: 'fail', fix: expect.stringContaining('sqlite:///') });
  });

  it('does not create a missing file or directory (exit 0), and reads JWT_ONCE_STORE when no URL is given', async () => {
    const file = join(dir, 'later', 'claims.db');
    const run = await runDoctor(['doctor', '--json'], { JWT_ONCE_STORE: `sqlite://${file}` });
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as Parameters<typeof finding>[0];
    expect(finding(report, 'directory').found).toBe(`${join(dir, 'later')} does not exist; the store creates it (mode 0700)`);
    expect(finding(report, 'round-trip').status).toBe('skip');
    expect(existsSync(join(dir, 'later'))).toBe(false);
  });

  describe('the file system a file is on (from /proc/mounts)', () => {
    const MOUNTS = [
      '/dev/vda / ext4 rw,relatime 0 0',
      'nas:/export/claims /srv/claims nfs4 rw,relatime 0 0',
      '//files/share /mnt/share cifs rw 0 0',
      'me@host:/data /mnt/ssh\\040dir fuse.sshfs rw 0 0',
      'tmpfs /run tmpfs rw 0 0',
    ].join('\n');

    it('finds the longest mount point above a path, with escaped spaces', () => {
      expect(mountOf('/srv/claims/jwt.db', MOUNTS)).toEqual({ mountPoint: '/srv/claims', type: 'nfs4' });
      expect(mountOf('/srv/claimsX/jwt.db', MOUNTS)).toEqual({ mountPoint: '/', type: 'ext4' });
      expect(mountOf('/mnt/ssh dir/jwt.db', MOUNTS)).toEqual({ mountPoint: '/mnt/ssh dir', type: 'fuse.sshfs' });
      expect(mountOf('/run/app/jwt.db', MOUNTS)).toEqual({ mountPoint: '/run', type: 'tmpfs' });
    });

    it('tells network, FUSE and memory file systems from local ones', () => {
      expect(['nfs', 'nfs4', 'cifs', 'smb3', 'ceph'].map(filesystemKind)).toEqual(['network', 'network', 'network', 'network', 'network']);
      expect(filesystemKind('fuse.sshfs')).toBe('fuse');
      expect(filesystemKind('tmpfs')).toBe('memory');
      expect(['ext4', 'xfs', 'btrfs', 'zfs', 'overlay'].map(filesystemKind)).toEqual(['local', 'local', 'local', 'local', 'local']);
    });
  });
});
