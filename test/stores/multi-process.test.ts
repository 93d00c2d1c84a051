import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from 'redis';
import { describeWithPostgres, SHARED_PG_URL, sql, uniqueTable } from './postgres-servers.js';
import { hsToken } from '../helpers/tokens.js';
import { withBearer } from '../helpers/http.js';
import { describeWithRedis, redisAnswers, SHARED_REDIS_URL } from './redis-servers.js';

const WORKER = resolve('test/stores/workers/claim-worker.ts');
const WORKERS = 4;
const KEYS = 3000;

interface WorkerResult {
  won: number[];
  errors: number;
}

/** Starts `WORKERS` processes, releases them at once, and collects what each won. */
async function race(
  kind: 'sqlite' | 'redis' | 'postgres',
  target: string,
  namespace: string,
  during?: () => () => void,
  keys = KEYS,
): Promise<WorkerResult[]> {
  const children: ChildProcess[] = [];
  try {
    const lines = Array.from({ length: WORKERS }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, kind, target, namespace, String(keys)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      const reader = createInterface({ input: child.stdout! });
      const iterator = reader[Symbol.asyncIterator]();
      return iterator;
    });
    for (const line of lines) expect((await line.next()).value).toBe('ready');
    const stopContention = during?.();
    const exits = children.map((c) => once(c, 'exit'));
    for (const child of children) child.stdin!.write('go\n');
    const results = await Promise.all(lines.map(async (line) => JSON.parse(String((await line.next()).value)) as WorkerResult));
    stopContention?.();
    await Promise.all(exits);
    return results;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function expectEachKeyWonOnce(results: WorkerResult[], keys = KEYS): void {
  const wins = new Array<number>(keys).fill(0);
  for (const { won } of results) for (const i of won) wins[i]!++;
  expect(wins.filter((w) => w !== 1)).toHaveLength(0);
  expect(results.reduce((sum, r) => sum + r.won.length, 0)).toBe(keys);
  // eslint-disable-next-line no-console
  console.log(
    `${WORKERS} processes x ${keys} keys: wins per process ${results.map((r) => r.won.length).join(' + ')} = ${keys}; ` +
      `retried store errors ${results.map((r) => r.errors).join(', ')}`,
  );
}

describe('several processes, one SQLite file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-mp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every key wins exactly once in total, while another process keeps grabbing the write lock', async () => {
    const file = join(dir, 'claims.db');
    // Contention beyond the workers': a fifth process takes the write lock for 30 ms every 60 ms.
    let locker: ChildProcess | undefined;
    const results = await race('sqlite', file, 'mp', () => {
      locker = spawn(
        process.execPath,
        [
          '-e',
          `const db = new (require('better-sqlite3'))(process.argv[1], { timeout: 10000 });
           setInterval(() => { db.exec('BEGIN IMMEDIATE'); const until = Date.now() + 30; while (Date.now() < until); db.exec('COMMIT'); }, 60);`,
          file,
        ],
        { stdio: 'ignore' },
      );
      return () => locker?.kill('SIGKILL');
    });
    expectEachKeyWonOnce(results);
  }, 60_000);
});

/** An Express server process claiming on `url` (test clock); resolves with its base URL once listening. */
async function claimServer(url: string, children: ChildProcess[]): Promise<string> {
  const server = resolve('test/hardening/workers/claim-server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', server, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  return `http://127.0.0.1:${Number(line.value)}/claim`;
}

async function statuses(base: string, tokens: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const token of tokens) out.push((await withBearer(base, token)).status);
  return out;
}

describe('two processes, one SQLite file that is deleted while they run', () => {
  it('the process that had the file open follows the path: 100 tokens answered 200 after the deletion are refused by the other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-once-deleted-'));
    const file = join(dir, 'claims.db');
    const children: ChildProcess[] = [];
    try {
      const a = await claimServer(`sqlite://${file}`, children);
      const before = Array.from({ length: 20 }, () => hsToken());
      expect(await statuses(a, before)).toEqual(before.map(() => 200));
      for (const path of [file, `${file}-wal`, `${file}-shm`]) rmSync(path, { force: true });
      expect(existsSync(file)).toBe(false);

      const b = await claimServer(`sqlite://${file}`, children); // started after the deletion: opens a new file
      const atA = Array.from({ length: 100 }, () => hsToken());
      expect(await statuses(a, atA)).toEqual(atA.map(() => 200));
      expect(await statuses(b, atA)).toEqual(atA.map(() => 401)); // before the fix: 100 x 200
      const atB = Array.from({ length: 100 }, () => hsToken());
      expect(await statuses(b, atB)).toEqual(atB.map(() => 200));
      expect(await statuses(a, atB)).toEqual(atB.map(() => 401));

      // The deleted file's claims are gone (SECURITY.md): each of those passes once more, then never again anywhere.
      expect(await statuses(b, before)).toEqual(before.map(() => 200));
      expect(await statuses(a, before)).toEqual(before.map(() => 401));
    } finally {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describeWithRedis('several processes, one Redis', redisAnswers(), `no Redis answers on ${SHARED_REDIS_URL}`, () => {
  it('every key wins exactly once in total', async () => {
    const namespace = `jwt-once-test-${randomUUID()}`;
    try {
      expectEachKeyWonOnce(await race('redis', SHARED_REDIS_URL, namespace));
    } finally {
      const client = createClient({ url: SHARED_REDIS_URL });
      await client.connect();
      for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    }
  }, 60_000);
});

describeWithPostgres('several processes, one postgres:// URL', () => {
  it('1,500 shared tokens presented by 4 processes: exactly 1,500 wins, no store error', async () => {
    const table = uniqueTable(); // a table of its own, dropped afterwards
    try {
      const results = await race('postgres', `${SHARED_PG_URL}?table=${table}`, table, undefined, 1500);
      expectEachKeyWonOnce(results, 1500);
      expect(results.map((r) => r.errors)).toEqual(new Array(WORKERS).fill(0));
      expect(Number((await sql(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n)).toBe(1500);
    } finally {
      await sql(`DROP TABLE IF EXISTS ${table}`);
    }
  }, 90_000);
});
