import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak, runSqliteSoak } from './soak.js';

// The reduced soak; the full million runs with `npm run soak`.
describe('soak (reduced): 50,000 distinct short-lived tokens through the memory store', () => {
  it('passes each token once, accepts zero replays, keeps the store bounded and the heap flat', async () => {
    const r = await runSoak({ tokens: 50_000, checkpointEvery: 10_000 });
    // eslint-disable-next-line no-console
    console.log(
      `soak: ${r.tokens} tokens in ${r.seconds.toFixed(1)} s; heapUsed after GC ${r.checkpoints.map((c) => c.heapUsedMB).join(' / ')} MB; ` +
        `store max ${r.maxStoreSize}; replays ${r.replaysTried} tried, ${r.replaysPassed} passed`,
    );
    expect(r.passed).toBe(50_000);
    expect(r.replaysTried).toBeGreaterThan(60);
    expect(r.replaysPassed).toBe(0);
    expect(r.refusedOther).toBe(0);
    // Live claims: ~ (lifetime 5 s + 1 s margin) / 1 ms per token, plus at most one sweep interval (10,000 tokens).
    expect(r.maxStoreSize).toBeLessThanOrEqual(17_000);
    expect(r.finalStoreSize).toBeLessThanOrEqual(17_000);
    // Flat: after the first checkpoint the heap (after GC) does not climb with the token count.
    expect(r.finalHeapMB - r.baselineHeapMB).toBeLessThan(8);
    expect(r.maxHeapMB - r.baselineHeapMB).toBeLessThan(8);
  });
});

describe('soak (reduced): 40,000 distinct short-lived tokens through a SQLite file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-soak-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the file (plus WAL) bounded once the live set is steady, and accepts zero replays', async () => {
    const r = await runSqliteSoak({ file: join(dir, 'claims.db'), tokens: 40_000, ttlSeconds: 2, purgeEvery: 4000 });
    // eslint-disable-next-line no-console
    console.log(
      `sqlite soak: ${r.tokens} tokens in ${r.seconds.toFixed(1)} s; file + WAL ${r.sizesKB.join(' / ')} KB; rows left ${r.rowsAtEnd}`,
    );
    expect(r.passed).toBe(40_000);
    expect(r.failed).toBe(0);
    expect(r.replaysPassed).toBe(0);
    expect(r.rowsAtEnd).toBe(0); // every claim was purged once expired
    // Bounded: the second half never outgrows the steady size reached early on by more than 20%.
    const early = r.sizesKB[2]!;
    for (const kb of r.sizesKB.slice(5)) expect(kb).toBeLessThanOrEqual(early * 1.2);
  });
});
