import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import express, { type Request, type Response } from 'express';
import Keyv from 'keyv';
import { jwtOnce } from '../../adapters/express/index.js';
import {
  closeStores,
  createClaimer,
  JwtOnceError,
  MemoryStore,
  SqliteClaimStore,
  type ClaimOptions,
  type ClaimStore,
} from '../../src/index.js';
import { listen } from '../helpers/http.js';
import { repeatUntil, waitUntil } from '../helpers/wait.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';
import { describeWithRedis, freePort, hasRedisBinaries, PrivateRedis } from '../stores/redis-servers.js';
import jwt from 'jsonwebtoken';

type Outcome = 'passed' | string;

function claimerOn(store: ClaimStore | string, extra: Partial<ClaimOptions> = {}) {
  const claim = createClaimer({ secret: HS_SECRET, algorithms: ['HS256'], store, now: () => NOW, ...extra });
  return (token: string): Promise<Outcome> =>
    claim(token).then(
      () => 'passed',
      (err: unknown) => {
        if (err instanceof JwtOnceError) return err.code;
        throw err;
      },
    );
}

/** Until `check()` holds (an event, not a lifetime): polls every 10 ms, fails after `ms` (or as many checks). */
function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  return waitUntil(check, { ms, what });
}

/** Counts every pass per token across a test: no token may pass twice. */
class Ledger {
  private readonly passes = new Map<string, number>();
  record(token: string, outcome: Outcome): Outcome {
    if (outcome === 'passed') this.passes.set(token, (this.passes.get(token) ?? 0) + 1);
    return outcome;
  }
  passed(): string[] {
    return [...this.passes.keys()];
  }
  doublePasses(): string[] {
    return [...this.passes].filter(([, n]) => n > 1).map(([t]) => t);
  }
}

/** A MemoryStore whose answers can be broken on demand. */
class FaultyStore implements ClaimStore {
  readonly inner = new MemoryStore();
  mode: 'ok' | 'throw' | 'reject' | 'garbage' | 'late' | 'hang' = 'ok';
  lateMs = 150;
  released: Array<[string, number]> = [];
  lateAnswers: Promise<unknown>[] = [];

  claim(key: string, expiresAt: number, now: number): boolean | Promise<boolean> {
    switch (this.mode) {
      case 'ok':
        return this.inner.claim(key, expiresAt, now);
      case 'throw':
        throw new Error('store exploded');
      case 'reject':
        return Promise.reject(new Error('connection reset'));
      case 'garbage':
        return Promise.resolve('OK' as unknown as boolean);
      case 'late': {
        const answer = new Promise<boolean>((resolve) => setTimeout(() => resolve(this.inner.claim(key, expiresAt, now)), this.lateMs));
        this.lateAnswers.push(answer);
        return answer;
      }
      case 'hang':
        return new Promise<boolean>(() => undefined);
    }
  }

  release(key: string, expiresAt: number): void {
    this.released.push([key, expiresAt]);
    this.inner.release(key, expiresAt);
  }
}

describe('faults: a store that throws, rejects, answers garbage or late', () => {
  it('refuses with 503 in every failure mode, never passes, and loses no claim', async () => {
    const store = new FaultyStore();
    const ledger = new Ledger();
    const claim = claimerOn(store, { storeTimeout: 50 });
    const present = async (t: string) => ledger.record(t, await claim(t));
    const before = [hsToken(), hsToken(), hsToken()];
    for (const t of before) expect(await present(t)).toBe('passed');

    for (const mode of ['throw', 'reject', 'garbage', 'hang'] as const) {
      store.mode = mode;
      for (const t of [...before, hsToken()]) expect(await present(t)).toBe('ERR_JWT_ONCE_STORE');
    }
    store.mode = 'ok';
    for (const t of before) expect(await present(t)).toBe('ERR_JWT_ONCE_REUSED');
    expect(ledger.doublePasses()).toEqual([]);
  });

  it('a win that arrives after storeTimeout is a 503 and is released, so the token is not lost and passes once later', async () => {
    const store = new FaultyStore();
    const claim = claimerOn(store, { storeTimeout: 30 });
    const token = hsToken();
    store.mode = 'late';
    const started = Date.now();
    expect(await claim(token)).toBe('ERR_JWT_ONCE_STORE');
    expect(Date.now() - started).toBeLessThan(140); // refused at the timeout, not when the store answered
    await Promise.all(store.lateAnswers);
    await until(() => store.released.length === 1, 2000, 'the late win to be released');
    expect(store.inner.size).toBe(0);
    store.mode = 'ok';
    expect(await claim(token)).toBe('passed');
    expect(await claim(token)).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('a late answer for an already claimed token is not released: the claim stays', async () => {
    const store = new FaultyStore();
    const claim = claimerOn(store, { storeTimeout: 30 });
    const token = hsToken();
    expect(await claim(token)).toBe('passed');
    store.mode = 'late';
    expect(await claim(token)).toBe('ERR_JWT_ONCE_STORE');
    await Promise.all(store.lateAnswers);
    store.mode = 'ok';
    expect(store.released).toEqual([]);
    expect(await claim(token)).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('Express answers a failing store with 503, Retry-After and a code, and a throwing hook or store never crashes it', async () => {
    const store = new FaultyStore();
    const app = express();
    app.post(
      '/x',
      jwtOnce({
        secret: HS_SECRET,
        algorithms: ['HS256'],
        store,
        now: () => NOW,
        storeTimeout: 30,
        onClaim: () => {
          throw new Error('hook');
        },
      }),
      (_req: Request, res: Response) => {
        res.json({ ok: true });
      },
    );
    const server = await listen(createServer(app));
    try {
      for (const mode of ['throw', 'reject', 'garbage', 'late', 'hang'] as const) {
        store.mode = mode;
        const res = await fetch(`${server.url}/x`, { method: 'POST', headers: { authorization: `Bearer ${hsToken()}` } });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
      }
      store.mode = 'ok';
      expect((await fetch(`${server.url}/x`, { method: 'POST', headers: { authorization: `Bearer ${hsToken()}` } })).status).toBe(200);
    } finally {
      await server.close();
      await Promise.all(store.lateAnswers);
    }
  });
});

// Another process holds the SQLite write lock (locks within one process do not conflict).
const LOCKER = `
const db = new (require('better-sqlite3'))(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
`;

describe('faults: SQLite', () => {
  let dir: string;
  let file: string;
  let keyv: Keyv;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-faults-'));
    file = join(dir, 'claims.db');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await keyv?.disconnect().catch(() => undefined);
    await closeStores();
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  async function lock(): Promise<() => Promise<void>> {
    const child = spawn(process.execPath, ['-e', LOCKER, file], { stdio: ['pipe', 'pipe', 'inherit'], cwd: process.cwd() });
    children.push(child);
    await once(child.stdout!, 'data');
    return async () => {
      const exited = once(child, 'exit');
      child.stdin!.write('go\n');
      await exited;
    };
  }

  it('the file locked by another process past the busy timeout: 503, no pass, no claim lost', async () => {
    keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
    const store = new SqliteClaimStore(keyv, { busyTimeout: 150, purgeInterval: 0 });
    const ledger = new Ledger();
    const claim = claimerOn(store);
    const present = async (t: string) => ledger.record(t, await claim(t));
    const claimed = [hsToken(), hsToken(), hsToken()];
    for (const t of claimed) expect(await present(t)).toBe('passed');

    const unlock = await lock();
    const during = [hsToken(), hsToken()];
    for (const t of [...claimed, ...during]) expect(await present(t)).toBe('ERR_JWT_ONCE_STORE');
    await unlock();

    for (const t of claimed) expect(await present(t)).toBe('ERR_JWT_ONCE_REUSED');
    for (const t of during) {
      expect(await present(t)).toBe('passed'); // refused during the outage, not consumed
      expect(await present(t)).toBe('ERR_JWT_ONCE_REUSED');
    }
    expect(ledger.doublePasses()).toEqual([]);
    await store.close();
  });

  it('a claim that commits after storeTimeout (lock released late) is a 503 whose late win is released', async () => {
    keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
    const inner = new SqliteClaimStore(keyv, { busyTimeout: 5000, purgeInterval: 0 });
    const releases: string[] = [];
    const store: ClaimStore = {
      claim: (k, e, n) => inner.claim(k, e, n),
      release: async (k, e) => {
        await inner.release(k, e);
        releases.push(k);
      },
    };
    const claim = claimerOn(store, { storeTimeout: 200 });
    await inner.ready();
    const unlock = await lock();
    const token = hsToken();
    expect(await claim(token)).toBe('ERR_JWT_ONCE_STORE');
    await unlock(); // the waiting write now commits: a late win
    await until(() => releases.length === 1, 5000, 'the late SQLite win to be released');
    expect(await claim(token)).toBe('passed');
    expect(await claim(token)).toBe('ERR_JWT_ONCE_REUSED');
    await inner.close();
  });

  it('a read-only directory: every claim is a 503 or a replay, never a pass; with write access back, nothing was lost', async () => {
    const url = `sqlite://${file}`;
    const claimed = [hsToken(), hsToken(), hsToken()];
    const claimRw = claimerOn(url);
    for (const t of claimed) expect(await claimRw(t)).toBe('passed');
    await closeStores();

    // Root ignores file modes: run the claims as `nobody` in a child; otherwise drop the write bits.
    const asRoot = process.getuid?.() === 0;
    chmodSync(dir, asRoot ? 0o755 : 0o555);
    chmodSync(file, asRoot ? 0o644 : 0o444);
    const fresh = [hsToken(), hsToken()];
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'workers', 'claim-server.ts'), url, 'batch'], {
      input: JSON.stringify([...claimed, ...fresh]),
      encoding: 'utf8',
      timeout: 20_000,
      cwd: join(__dirname, '..', '..'),
      ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {}),
    });
    expect(run.status).toBe(0);
    const outcomes = JSON.parse(run.stdout) as string[];
    expect(outcomes).toHaveLength(5);
    for (const outcome of outcomes) expect(['ERR_JWT_ONCE_STORE', 'ERR_JWT_ONCE_REUSED']).toContain(outcome);
    expect(outcomes.filter((o) => o === 'ERR_JWT_ONCE_STORE').length).toBeGreaterThan(0);

    chmodSync(dir, 0o700);
    chmodSync(file, 0o644);
    const claimAgain = claimerOn(url);
    for (const t of claimed) expect(await claimAgain(t)).toBe('ERR_JWT_ONCE_REUSED');
    for (const t of fresh) expect(await claimAgain(t)).toBe('passed');
  });
});

describeWithRedis('faults: Redis', hasRedisBinaries(), 'redis-server is not installed', () => {
  // Redis expires claims on its own timer (PX from the claim's clock), so these tests run on the real clock.
  let serial = 0;
  const liveToken = (): string => {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign({ iat: now, exp: now + 300, n: ++serial }, HS_SECRET, { algorithm: 'HS256' });
  };
  const realClock = { now: Date.now };
  let redis: PrivateRedis;
  beforeEach(async () => {
    // Append-only file, fsync on every write: a killed Redis keeps every claim it acknowledged.
    redis = new PrivateRedis(await freePort(), ['--appendonly', 'yes', '--appendfsync', 'always']);
    await redis.start();
  });
  afterEach(async () => {
    await closeStores();
    await redis.stop();
  });

  it('killed and restarted under load: 503s come fast, none passes, service resumes by itself, no claim lost', async () => {
    const claim = claimerOn(redis.url, realClock);
    const ledger = new Ledger();
    let phase: 'up' | 'down' | 'back' = 'up';
    const passedWhileDown: string[] = [];
    const slowRefusals: number[] = [];
    let refusedWhileDown = 0;
    let stop = false;
    // Each lane yields to the event loop after every claim and is bounded: were a store error
    // treated as a win, claims would resolve at once and an unyielding loop would starve every timer.
    const lane = (): Promise<number> =>
      repeatUntil(
        () => stop,
        async () => {
          const replay = ledger.passed().length > 0 && Math.random() < 0.3;
          const token = replay ? ledger.passed()[Math.floor(Math.random() * ledger.passed().length)]! : liveToken();
          const startedIn = phase;
          const started = Date.now();
          const outcome = ledger.record(token, await claim(token));
          if (startedIn === 'down' && phase === 'down') {
            if (outcome === 'passed') passedWhileDown.push(token);
            if (outcome === 'ERR_JWT_ONCE_STORE') refusedWhileDown++;
            if (outcome === 'ERR_JWT_ONCE_STORE' && Date.now() - started > 1500) slowRefusals.push(Date.now() - started);
          }
          if (outcome === 'ERR_JWT_ONCE_STORE') await new Promise((r) => setTimeout(r, 5));
        },
        { ms: 25_000, times: 200_000, what: 'a load lane' },
      );
    const lanes = Array.from({ length: 16 }, lane);
    const lanesDone = Promise.allSettled(lanes); // handlers attached now: a failing lane is never unhandled
    let beforeOutage: string[];
    try {
      await until(() => ledger.passed().length >= 200, 10_000, '200 claims before the outage');
      beforeOutage = ledger.passed();

      await redis.kill();
      phase = 'down';
      await new Promise((r) => setTimeout(r, 600)); // requests keep coming during the outage
      await redis.start(); // same port and directory: the AOF brings the claims back
      phase = 'back';
      const passedBeforeRestart = ledger.passed().length;
      await until(() => ledger.passed().length >= passedBeforeRestart + 100, 10_000, 'service to resume by itself');
    } finally {
      stop = true;
      await lanesDone;
    }
    await Promise.all(lanes); // a lane that ran past its bound fails the test

    expect(refusedWhileDown).toBeGreaterThan(50); // the outage was real and under load
    expect(passedWhileDown).toEqual([]);
    expect(slowRefusals).toEqual([]);
    expect(ledger.doublePasses()).toEqual([]);
    // Every token that ever passed is still claimed.
    const again = await Promise.all(ledger.passed().map(async (t) => claim(t)));
    expect(again.filter((o) => o !== 'ERR_JWT_ONCE_REUSED')).toEqual([]);
    expect(beforeOutage.length).toBeGreaterThanOrEqual(200);
  });

  it('documents the limit: a Redis without persistence forgets its claims on restart', async () => {
    const volatile = new PrivateRedis(await freePort()); // --save '' --appendonly no
    await volatile.start();
    try {
      const claim = claimerOn(volatile.url, realClock);
      const token = liveToken();
      expect(await claim(token)).toBe('passed');
      expect(await claim(token)).toBe('ERR_JWT_ONCE_REUSED');
      await volatile.kill();
      await volatile.start();
      await until(async () => (await claim(liveToken())) === 'passed', 5000, 'Redis to come back');
      // The replay passes: see SECURITY.md. Use persistence (AOF) or keep token lifetimes short.
      expect(await claim(token)).toBe('passed');
    } finally {
      await closeStores();
      await volatile.stop();
    }
  });

  it('slow Redis (CLIENT PAUSE WRITE): a command past storeTimeout is a 503 and its late reply cannot pass', async () => {
    const claim = claimerOn(redis.url, { ...realClock, storeTimeout: 200 });
    const claimed = liveToken();
    expect(await claim(claimed)).toBe('passed');

    const pause = spawnSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'PAUSE', '700', 'WRITE'], { encoding: 'utf8' });
    expect(pause.stdout.trim()).toBe('OK');
    const late = liveToken();
    const started = Date.now();
    const outcomes = await Promise.all([claim(late), claim(claimed)]);
    expect(outcomes).toEqual(['ERR_JWT_ONCE_STORE', 'ERR_JWT_ONCE_STORE']);
    expect(Date.now() - started).toBeLessThan(600);

    // After the pause the SET NX runs and answers OK to nobody waiting: it is released, not a pass.
    const key = async () => spawnSync('redis-cli', ['-p', String(redis.port), 'DBSIZE'], { encoding: 'utf8' }).stdout.trim();
    await until(async () => (await key()) === '1' && Date.now() - started > 800, 5000, 'the late win to be released');
    expect(await claim(claimed)).toBe('ERR_JWT_ONCE_REUSED');
    expect(await claim(late)).toBe('passed');
    expect(await claim(late)).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('slow past the command timeout too: the late write may consume the token, but it never passes twice', async () => {
    const claim = claimerOn(redis.url, { ...realClock, storeTimeout: 200 });
    const pause = spawnSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'PAUSE', '1500', 'WRITE'], { encoding: 'utf8' });
    expect(pause.stdout.trim()).toBe('OK');
    const token = liveToken();
    expect(await claim(token)).toBe('ERR_JWT_ONCE_STORE');
    const ledger = new Ledger();
    const deadline = Date.now() + 2500;
    // Presents the token every 50 ms for 2.5 s (at most 60 times).
    for (let i = 0; i < 60 && Date.now() < deadline; i++) {
      ledger.record(token, await claim(token));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ledger.doublePasses()).toEqual([]);
    expect(['ERR_JWT_ONCE_REUSED']).toContain(await claim(token));
  });
});
