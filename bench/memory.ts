// Scenario 5: memory. Heap per live claim in the MemoryStore at 1,000,000
// claims, back to baseline once they expire and are swept; SQLite file size
// flat under a long churn of short-lived tokens.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextClaimId } from '../src/claim-result.js';
import { MemoryStore, replayKey, type ClaimStore } from '../src/index.js';
import { log, pick, record, runId, skip } from './harness.js';

const SCENARIO = 'memory';
const MAX_BYTES_PER_CLAIM = 200;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
}

function heapUsed(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

/** Replay keys exactly as claimToken makes them for tokens without a jti. */
function keysFor(count: number, from: number): string[] {
  const keys = new Array<string>(count);
  for (let i = 0; i < count; i++) keys[i] = replayKey(`eyJhbGciOiJIUzI1NiJ9.${runId}.${from + i}`, {}, '');
  return keys;
}

async function memoryStorePerClaim(): Promise<void> {
  const count = 1_000_000;
  const ttlMs = 15 * 60_000;
  const now = Date.UTC(2026, 0, 1);
  const clock = { now };
  const store = new MemoryStore({ maxEntries: count, now: () => clock.now });
  // Keys are made in chunks and dropped after use, so only what the store keeps stays live.
  const baseline = heapUsed();
  const chunk = 100_000;
  for (let from = 0; from < count; from += chunk) {
    const keys = keysFor(chunk, from);
    for (let i = 0; i < keys.length; i++) {
      // With a per-claim id, as claimToken makes them: the store keeps it with the claim.
      if (!store.claim(keys[i]!, now + ttlMs + i, now, nextClaimId())) throw new Error('a fresh key was refused');
    }
  }
  const full = heapUsed();
  const perClaim = (full - baseline) / count;
  record(
    SCENARIO,
    'MemoryStore heap per live claim, with its per-claim id (1,000,000 claims)',
    `${perClaim.toFixed(1)} B`,
    `<= ${MAX_BYTES_PER_CLAIM} B`,
    perClaim <= MAX_BYTES_PER_CLAIM,
  );

  clock.now = now + ttlMs + chunk + 1;
  const removed = store.sweep(clock.now);
  const after = heapUsed();
  const left = after - baseline;
  // "Baseline": within 1 MB (or 1 B per claim once held) of the heap before any claim.
  const pass = removed === count && store.size === 0 && left <= 1024 * 1024;
  record(
    SCENARIO,
    'MemoryStore heap after expiry + sweep(now)',
    `${(left / 1024).toFixed(0)} KiB above baseline (${removed.toLocaleString('en-US')} swept)`,
    '<= 1,024 KiB',
    pass,
  );
  store.close();
}

async function sqliteChurn(): Promise<void> {
  if (!existsSync(join(__dirname, '../src/stores/sqlite/sqlite-store.ts'))) {
    skip(SCENARIO, 'SQLite file size under churn: src/stores/sqlite/sqlite-store.ts does not exist yet');
    return;
  }
  const { createClaimer, closeStores } = (await import('../src/index.js')) as unknown as {
    createClaimer: typeof import('../src/index.js').createClaimer;
    closeStores?: () => Promise<void>;
  };
  const dir = mkdtempSync(join(tmpdir(), 'jwt-once-bench-'));
  const file = join(dir, 'churn.db');
  try {
    const { resolveStore } = await import('../src/index.js');
    const store = resolveStore(`sqlite://${file}` as never) as ClaimStore & { purge?: (now?: number) => Promise<number> };
    const phases = pick(4, 8);
    const perPhase = pick(5_000, 20_000);
    const ttlMs = 2_000;
    let now = Date.UTC(2026, 0, 1);
    const sizes: number[] = [];
    let n = 0;
    for (let phase = 0; phase < phases; phase++) {
      const pending: Promise<boolean>[] = [];
      for (let i = 0; i < perPhase; i++) pending.push(Promise.resolve(store.claim(`churn:${runId}:${n++}`, now + ttlMs, now)));
      await Promise.all(pending);
      now += ttlMs * 2; // every earlier claim is now expired
      await store.purge?.(now); // the store's own expiry sweep, at the injected time
      sizes.push(fileSize(file));
    }
    const first = sizes[1] ?? sizes[0]!;
    const last = sizes[sizes.length - 1]!;
    const growth = last / first;
    record(
      SCENARIO,
      `SQLite file size under churn (${phases} x ${perPhase.toLocaleString('en-US')} claims, all expired between phases)`,
      `${(first / 1024).toFixed(0)} KiB after phase 2 -> ${(last / 1024).toFixed(0)} KiB after phase ${phases}`,
      '<= 1.5x growth',
      growth <= 1.5,
    );
    void createClaimer;
    await store.close?.();
    await closeStores?.();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fileSize(file: string): number {
  let size = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) size += statSync(file + suffix).size;
  }
  return size;
}

export async function runMemory(): Promise<void> {
  log(`\n## 5. Memory (bar: <= ${MAX_BYTES_PER_CLAIM} B per live claim, back to baseline after expiry, SQLite flat under churn)`);
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    skip(SCENARIO, 'heap per claim needs node --expose-gc (npm run bench passes it)');
  } else {
    await memoryStorePerClaim();
  }
  await sqliteChurn();
}
