import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { closeStores, openStore, SqliteClaimStore, StoreError } from '../../../src/index.js';
import { NOW } from '../../helpers/tokens.js';

// Another process holds the write lock (two SQLite libraries in one process do not see each other's locks).
const LOCKER = `
const db = new (require('better-sqlite3'))(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
`;

const LIVE = NOW + 60_000;

function deleteDatabase(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) rmSync(path, { force: true });
}

/**
 * The claim value a process that opens the path now reads, on a new
 * connection (raw: Keyv's own get would judge the test clock's expiry against the wall clock).
 */
async function readFresh(file: string, key: string): Promise<unknown> {
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}` });
  try {
    const raw = (await adapter.get(`keyv:${key}`)) as string | undefined;
    return raw === undefined ? undefined : (JSON.parse(raw) as { value: unknown }).value;
  } finally {
    await adapter.disconnect();
  }
}

async function oneTurn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('SQLite: the file deleted while the store runs', () => {
  let dir: string;
  let file: string;
  let keyv: Keyv;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-files-'));
    file = join(dir, 'claims.db');
    keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
  });
  afterEach(async () => {
    await keyv.disconnect().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is seen before the next batch: claims go to the file now on the path, the one a new process opens', async () => {
    const store = new SqliteClaimStore(keyv, { purgeInterval: 0 });
    expect(await store.claim('before', LIVE, NOW, 'a')).toBe(true);
    deleteDatabase(file);
    expect(existsSync(file)).toBe(false);

    expect(await store.claim('after', LIVE, NOW, 'b')).toBe(true);
    expect(existsSync(file)).toBe(true); // opened again: a fresh file
    expect(await readFresh(file, 'after')).toBe(`${LIVE}:b`); // where any other process looks
    expect(await store.claim('after', LIVE, NOW, 'c')).toBe(false);
    // The deleted file's claims are gone (SECURITY.md): the token before the deletion can pass once more.
    expect(await readFresh(file, 'before')).toBeUndefined();
    expect(await store.claim('before', LIVE, NOW, 'd')).toBe(true);
    expect(await store.claim('before', LIVE, NOW, 'e')).toBe(false);

    // Deleted again: seen again.
    deleteDatabase(file);
    expect(await store.claim('third', LIVE, NOW, 'f')).toBe(true);
    expect(await readFresh(file, 'third')).toBe(`${LIVE}:f`);
    await store.close();
  });

  it('a file replaced before the first claim (your Keyv had opened the old one) is noticed too, and refuses nothing', async () => {
    expect(await keyv.get('warm-up')).toBeUndefined(); // your adapter has the file open
    const store = new SqliteClaimStore(keyv, { purgeInterval: 0 });
    deleteDatabase(file);
    expect(await readFresh(file, 'k')).toBeUndefined(); // another process makes the file again
    expect(await store.claim('k', LIVE, NOW, 'a')).toBe(true);
    expect(await readFresh(file, 'k')).toBe(`${LIVE}:a`);
    await store.close();
  });

  it('a deletion racing the transaction: that batch is refused (503), nothing passes, the next claim uses the new file', async () => {
    const store = new SqliteClaimStore(keyv, { purgeInterval: 0, busyTimeout: 10_000 });
    await store.ready();
    const locker = spawn(process.execPath, ['-e', LOCKER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(locker.stdout!, 'data');
      // The batch checks the file, then waits for the lock inside BEGIN IMMEDIATE...
      const racing = Promise.all([store.claim('x', LIVE, NOW, 'a'), store.claim('y', LIVE, NOW, 'b')]);
      racing.catch(() => undefined);
      await oneTurn();
      deleteDatabase(file); // ...while the files are deleted
      const exited = once(locker, 'exit');
      locker.stdin!.write('go\n');
      await exited;
      await expect(racing).rejects.toBeInstanceOf(StoreError);
      await expect(racing).rejects.toThrow(/deleted or replaced/);

      expect(await store.claim('x', LIVE, NOW, 'c')).toBe(true); // refused, so not consumed
      expect(await readFresh(file, 'x')).toBe(`${LIVE}:c`);
    } finally {
      if (locker.exitCode === null) locker.kill('SIGKILL');
      await store.close();
    }
  });
  it('deleted and made again by another store while claims run: the racing batch is 503, then both stores share the new file', async () => {
    // Issue 21.2: the device/inode comparison. A path that exists again (another process
    // made a new file) is not the file this store has open: "the file exists" is not enough.
    const store = new SqliteClaimStore(keyv, { purgeInterval: 0, busyTimeout: 10_000 });
    expect(await store.claim('before', LIVE, NOW, 'a')).toBe(true);
    const locker = spawn(process.execPath, ['-e', LOCKER, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    const otherKeyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
    let other: SqliteClaimStore | undefined;
    try {
      await once(locker.stdout!, 'data');
      // The batch checks the file, then waits for the lock inside BEGIN IMMEDIATE...
      const racing = store.claim('raced', LIVE, NOW, 'b');
      racing.catch(() => undefined);
      await oneTurn();
      // ...while the three files are deleted, and another store makes them again and claims.
      deleteDatabase(file);
      other = new SqliteClaimStore(otherKeyv, { purgeInterval: 0 });
      expect(await other.claim('fresh', LIVE, NOW, 'c')).toBe(true);
      for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(existsSync(path)).toBe(true);
      const exited = once(locker, 'exit');
      locker.stdin!.write('go\n');
      await exited;
      // Committed to the deleted file, which no other process sees: refused, not answered.
      await expect(racing).rejects.toBeInstanceOf(StoreError);
      await expect(racing).rejects.toThrow(/deleted or replaced/);

      // Recovery on the new file: a token claimed through the other store is refused here...
      expect(await store.claim('fresh', LIVE, NOW, 'd')).toBe(false);
      // ...the raced claim was not spent, and what this store claims now the other store refuses.
      expect(await store.claim('raced', LIVE, NOW, 'e')).toBe(true);
      expect(await other.claim('raced', LIVE, NOW, 'f')).toBe(false);
      expect(await store.claim('after', LIVE, NOW, 'g')).toBe(true);
      expect(await other.claim('after', LIVE, NOW, 'h')).toBe(false);
      expect(await readFresh(file, 'after')).toBe(`${LIVE}:g`);
      // The deleted file's claims are gone (SECURITY.md): the token before the deletion passes once more, then never.
      expect(await other.claim('before', LIVE, NOW, 'i')).toBe(true);
      expect(await store.claim('before', LIVE, NOW, 'j')).toBe(false);
    } finally {
      if (locker.exitCode === null) locker.kill('SIGKILL');
      await store.close();
      await other?.close();
      await otherKeyv.disconnect().catch(() => undefined);
    }
  });
});

describe('SQLite: a directory that is missing', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-dirs-'));
  });
  afterEach(async () => {
    await closeStores();
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sqlite://var/jwt-once.db: the missing directories are created for you, mode 0700; existing ones are left as they are', async () => {
    chmodSync(dir, 0o755);
    const file = join(dir, 'var', 'nested', 'jwt-once.db');
    const store = openStore(`sqlite://${relative(process.cwd(), file)}`);
    expect(await store.claim('k', LIVE, NOW, 'a')).toBe(true);
    expect(await store.claim('k', LIVE, NOW, 'b')).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(statSync(join(dir, 'var')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'var', 'nested')).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
  });

  it('a directory that cannot be made: 503 (never an unhandled rejection, even with no claim waiting), then recovers by itself, no restart', async () => {
    writeFileSync(join(dir, 'var'), 'a file where the directory should be');
    const file = join(dir, 'var', 'jwt-once.db');
    const store = openStore(`sqlite://${file}`);
    // The file fails to open while nobody is asking (no claim, no ready()): that failure must
    // already be handled. 100 ms is ample for a failed open(2) on the thread pool.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect((store as SqliteClaimStore).ready()).rejects.toBeInstanceOf(StoreError);
    await expect(Promise.resolve(store.claim('k', LIVE, NOW, 'a'))).rejects.toBeInstanceOf(StoreError);
    await expect(Promise.resolve(store.claim('k', LIVE, NOW, 'b'))).rejects.toThrow(/could not be opened/);

    rmSync(join(dir, 'var'));
    expect(await store.claim('k', LIVE, NOW, 'c')).toBe(true);
    expect(await store.claim('k', LIVE, NOW, 'd')).toBe(false);
    expect(statSync(join(dir, 'var')).mode & 0o777).toBe(0o700);
  });

  it('your own Keyv on a missing directory: 503 until it exists, then claims work (the store opens the file again)', async () => {
    const file = join(dir, 'var', 'jwt-once.db');
    const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
    const failed = new Promise((resolve) => keyv.on('error', resolve));
    const store = new SqliteClaimStore(keyv, { purgeInterval: 0 });
    await failed; // @keyv/sqlite failed to open, and nobody claimed yet
    for (let i = 0; i < 5; i++) await oneTurn();
    await expect(store.claim('k', LIVE, NOW, 'a')).rejects.toBeInstanceOf(StoreError);
    expect(existsSync(join(dir, 'var'))).toBe(false); // not created: createDirectory is off for your Keyv

    mkdirSync(join(dir, 'var'));
    expect(await store.claim('k', LIVE, NOW, 'b')).toBe(true);
    expect(await store.claim('k', LIVE, NOW, 'c')).toBe(false);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false); // the connection it opened itself is closed
  });
});
