import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hsToken } from '../helpers/tokens.js';
import { repeatUntil, waitUntil } from '../helpers/wait.js';
import { describeWithPostgres, SHARED_PG_URL, sql, uniqueTable } from '../stores/postgres-servers.js';

const WORKER = join(__dirname, 'workers', 'claim-server.ts');

/** Starts the claim server on `store` in a child process; resolves with it and its URL. */
async function startServer(store: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, store], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(__dirname, '..', '..'),
  });
  const [line] = (await Promise.race([
    once(child.stdout!, 'data'),
    once(child, 'exit').then(() => {
      throw new Error('the claim server exited at start');
    }),
  ])) as [Buffer];
  return { child, url: `http://127.0.0.1:${String(line).trim()}/claim` };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const present = (url: string, token: string): Promise<{ status: number; code?: string }> =>
  fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(async (res) => {
    const body = (await res.json().catch(() => ({}))) as { code?: string };
    return { status: res.status, code: body.code };
  });

/**
 * Serves claims on `store` under load, kill -9 in the middle, then a fresh
 * process on the same store: every token answered 200 must be refused.
 */
async function killMidLoad(store: string, children: ChildProcess[]): Promise<void> {
  const first = await startServer(store);
  children.push(first.child);

  const answered2xx: string[] = [];
  const unanswered: string[] = [];
  let refusedFresh = 0;
  let stop = false;
  // A lane stops at its first unanswered request (the server died with it in flight).
  const lane = async (): Promise<void> => {
    let died = false;
    await repeatUntil(
      () => stop || died,
      async () => {
        const token = hsToken();
        try {
          const { status } = await present(first.url, token);
          if (status === 200) answered2xx.push(token);
          else refusedFresh++;
        } catch {
          unanswered.push(token);
          died = true;
        }
      },
      { ms: 25_000, times: 100_000, what: 'a load lane' },
    );
  };
  const lanes = Array.from({ length: 32 }, lane);
  const lanesDone = Promise.allSettled(lanes); // handlers attached now: a failing lane is never unhandled
  try {
    // Kill -9 in the middle of the load, once a good number of claims were answered.
    await waitUntil(() => answered2xx.length >= 400, { ms: 15_000, every: 5, what: '400 answered claims' });
    await kill9(first.child);
  } finally {
    stop = true;
    await lanesDone;
  }
  await Promise.all(lanes);
  expect(refusedFresh).toBe(0);
  expect(answered2xx.length).toBeGreaterThanOrEqual(400);

  const second = await startServer(store);
  children.push(second.child);
  // 16 at a time: all at once on a loaded machine can outlast storeTimeout (a 503: closed, but not the point here).
  const replays: { status: number; code?: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < answered2xx.length) replays.push(await present(second.url, answered2xx[next++]!));
    }),
  );
  expect(replays.filter((r) => r.status === 200)).toEqual([]);
  const notRefused = replays.filter((r) => r.status !== 401 || r.code !== 'ERR_JWT_ONCE_REUSED');
  expect(notRefused).toEqual([]);
  // Tokens whose answer was lost in the crash: claimed or not, each passes at most once from now on.
  for (const token of unanswered) {
    const again = await present(second.url, token);
    expect([200, 401]).toContain(again.status);
    expect((await present(second.url, token)).status).toBe(401);
  }
  // The restarted server is serving.
  expect((await present(second.url, hsToken())).status).toBe(200);
}

describe('durability: kill -9 a server claiming on SQLite under load', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-durability-'));
  });
  afterAll(async () => {
    for (const child of children) await kill9(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a restart, every token it answered 2xx for is still refused', async () => {
    await killMidLoad(`sqlite://${join(dir, 'claims.db')}`, children);
  });
});

describeWithPostgres('durability: kill -9 a server claiming on PostgreSQL under load (the database survives)', () => {
  const table = uniqueTable();
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await kill9(child);
    await sql(`DROP TABLE IF EXISTS ${table}`);
  });

  it('after a restart, every token it answered 2xx for is still refused', async () => {
    await killMidLoad(`${SHARED_PG_URL}?table=${table}`, children);
  });
});
