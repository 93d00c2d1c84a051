import { createHmac, createSecretKey } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClaimer, JwtOnceError, MemoryStore } from '../../src/index.js';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Distinct tokens presented. */
  tokens: number;
  /** Token lifetime (exp - iat), seconds. */
  ttlSeconds?: number;
  /** How far the injected clock advances per token, ms. */
  stepMs?: number;
  /** Sweep the store every this many tokens. */
  sweepEvery?: number;
  /** Measure the heap every this many tokens. */
  checkpointEvery?: number;
  /** Re-present a recent (still live) and an old (swept) token every this many tokens. */
  replayEvery?: number;
  /** Called at each checkpoint. */
  log?: (line: string) => void;
}

export interface SoakCheckpoint {
  tokens: number;
  heapUsedMB: number;
  storeSize: number;
}

/** What a soak measured. */
export interface SoakResult {
  tokens: number;
  passed: number;
  replaysTried: number;
  replaysPassed: number;
  refusedOther: number;
  maxStoreSize: number;
  finalStoreSize: number;
  checkpoints: SoakCheckpoint[];
  /** Heap after GC at the first checkpoint (the store already at its steady size), MB. */
  baselineHeapMB: number;
  maxHeapMB: number;
  finalHeapMB: number;
  seconds: number;
}

/** `global.gc` when node runs with --expose-gc; otherwise exposes it for this process. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * Presents `tokens` distinct HS256 tokens with short lifetimes through
 * `createClaimer` and a {@link MemoryStore}, on an injected clock that
 * advances, sweeping as it goes; re-presents live and swept tokens along the
 * way. Measures the heap (after GC) and the store size at checkpoints.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const {
    tokens,
    ttlSeconds = 5,
    stepMs = 1,
    sweepEvery = 10_000,
    checkpointEvery = Math.max(10_000, Math.floor(tokens / 20)),
    replayEvery = 997,
    log = () => undefined,
  } = options;
  const gc = collector();
  const started = process.hrtime.bigint();
  const key = createSecretKey(Buffer.from('soak-secret-soak-secret-soak-secret!'));
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const clock = { now: Date.UTC(2026, 0, 1) };
  const store = new MemoryStore({ now: () => clock.now });
  const claim = createClaimer({ secret: key, algorithms: ['HS256'], store, now: () => clock.now });

  const sign = (i: number): string => {
    const iat = Math.floor(clock.now / 1000);
    const input = `${header}.${Buffer.from(`{"iat":${iat},"exp":${iat + ttlSeconds},"n":${i}}`).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };

  const result: SoakResult = {
    tokens,
    passed: 0,
    replaysTried: 0,
    replaysPassed: 0,
    refusedOther: 0,
    maxStoreSize: 0,
    finalStoreSize: 0,
    checkpoints: [],
    baselineHeapMB: 0,
    maxHeapMB: 0,
    finalHeapMB: 0,
    seconds: 0,
  };
  const recent: string[] = []; // a small ring of recent tokens (live claims)
  let old: string | undefined; // a token whose claim has been swept
  let candidate: string | undefined;
  if (sweepEvery * stepMs <= (ttlSeconds + 2) * 1000) {
    throw new RangeError('sweepEvery * stepMs must exceed the token lifetime plus margins, so swept tokens are expired');
  }

  const replay = async (token: string, expected: string): Promise<void> => {
    result.replaysTried++;
    try {
      await claim(token);
      result.replaysPassed++;
    } catch (err) {
      if (!(err instanceof JwtOnceError) || err.code !== expected) result.refusedOther++;
    }
  };

  for (let i = 1; i <= tokens; i++) {
    clock.now += stepMs;
    const token = sign(i);
    try {
      await claim(token);
      result.passed++;
    } catch {
      result.refusedOther++;
    }
    recent[i % 16] = token;
    if (i % replayEvery === 0) {
      await replay(recent[(i - 3) % 16]!, 'ERR_JWT_ONCE_REUSED');
      if (old !== undefined) await replay(old, 'ERR_JWT_ONCE_EXPIRED');
    }
    if (i % sweepEvery === 0) {
      result.maxStoreSize = Math.max(result.maxStoreSize, store.size);
      store.sweep(clock.now);
      // The token presented at the previous sweep has expired (sweepEvery * stepMs > ttl + margin): swept.
      old = candidate;
      candidate = token;
    }
    if (i % checkpointEvery === 0) {
      gc();
      const heap = process.memoryUsage().heapUsed;
      const checkpoint = { tokens: i, heapUsedMB: mb(heap), storeSize: store.size };
      result.checkpoints.push(checkpoint);
      log(`${String(i).padStart(9)} tokens  heapUsed ${String(checkpoint.heapUsedMB).padStart(6)} MB  store ${checkpoint.storeSize}`);
    }
  }
  result.finalStoreSize = store.size;
  gc();
  result.finalHeapMB = mb(process.memoryUsage().heapUsed);
  const heaps = result.checkpoints.map((c) => c.heapUsedMB);
  result.baselineHeapMB = heaps[0] ?? result.finalHeapMB;
  result.maxHeapMB = Math.max(...heaps, result.finalHeapMB);
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  store.close();
  return result;
}

/** Options of {@link runSqliteSoak}. */
export interface SqliteSoakOptions {
  /** The SQLite file (created). */
  file: string;
  tokens: number;
  ttlSeconds?: number;
  stepMs?: number;
  /** Purge expired rows every this many tokens. */
  purgeEvery?: number;
  /** Claims in flight at once (lets the store batch them). */
  concurrency?: number;
  checkpoints?: number;
  log?: (line: string) => void;
}

export interface SqliteSoakResult {
  tokens: number;
  passed: number;
  failed: number;
  replaysPassed: number;
  /** Size of the database file plus its WAL at each checkpoint, KB. */
  sizesKB: number[];
  rowsAtEnd: number;
  seconds: number;
}

/**
 * Distinct short-lived tokens through a `sqlite://` store on an injected
 * clock, purging as the clock advances: the file must stop growing once the
 * live set is steady (freed pages are reused).
 */
export async function runSqliteSoak(options: SqliteSoakOptions): Promise<SqliteSoakResult> {
  const {
    file,
    tokens,
    ttlSeconds = 5,
    stepMs = 1,
    purgeEvery = 10_000,
    concurrency = 64,
    checkpoints = 10,
    log = () => undefined,
  } = options;
  const { statSync, existsSync } = await import('node:fs');
  const { default: Keyv } = await import('keyv');
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const { SqliteClaimStore } = await import('../../src/index.js');
  const started = process.hrtime.bigint();
  const keyv = new Keyv(new KeyvSqlite({ uri: `sqlite://${file}` }));
  const store = new SqliteClaimStore(keyv, { purgeInterval: 0 });
  await store.ready();
  const key = createSecretKey(Buffer.from('soak-secret-soak-secret-soak-secret!'));
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const clock = { now: Date.UTC(2026, 0, 1) };
  const claim = createClaimer({ secret: key, algorithms: ['HS256'], store, now: () => clock.now });
  const size = (): number => [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
  const result: SqliteSoakResult = { tokens, passed: 0, failed: 0, replaysPassed: 0, sizesKB: [], rowsAtEnd: 0, seconds: 0 };
  const every = Math.max(1, Math.floor(tokens / checkpoints));
  let recent = '';
  for (let i = 0; i < tokens; i += concurrency) {
    clock.now += stepMs * concurrency;
    const iat = Math.floor(clock.now / 1000);
    const batch = Array.from({ length: Math.min(concurrency, tokens - i) }, (_, j) => {
      const input = `${header}.${Buffer.from(`{"iat":${iat},"exp":${iat + ttlSeconds},"n":${i + j}}`).toString('base64url')}`;
      return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
    });
    const outcomes = await Promise.allSettled([...batch.map((t) => claim(t)), ...(recent ? [claim(recent)] : [])]);
    outcomes.forEach((o, j) => {
      if (j < batch.length) {
        if (o.status === 'fulfilled') result.passed++;
        else result.failed++;
      } else if (o.status === 'fulfilled') result.replaysPassed++;
    });
    recent = batch[0]!;
    const done = i + batch.length;
    if (Math.floor(done / purgeEvery) > Math.floor(i / purgeEvery)) await store.purge(clock.now);
    if (Math.floor(done / every) > Math.floor(i / every)) {
      const kb = Math.round(size() / 1024);
      result.sizesKB.push(kb);
      log(`${String(done).padStart(9)} tokens  sqlite file + wal ${String(kb).padStart(6)} KB`);
    }
  }
  await store.purge(clock.now + (ttlSeconds + 2) * 1000);
  const rows = await (keyv.store as unknown as { query(sql: string): Promise<Array<{ n: number }>> }).query(
    'SELECT count(*) AS n FROM keyv',
  );
  result.rowsAtEnd = Number(rows[0]?.n ?? -1);
  await store.close();
  await keyv.disconnect();
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return result;
}
