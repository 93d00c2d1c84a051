/**
 * Full-size soak: `npm run soak` (node --expose-gc). One million distinct
 * tokens, 5 s lifetimes, an injected clock advancing 1 ms per token, a sweep
 * every 10,000 tokens. Prints the heap after GC at each checkpoint; then
 * 200,000 tokens through a SQLite file, printing its size. Exits non-zero if
 * a replay passed, the heap grew or the file kept growing.
 *
 * SOAK_TOKENS=2000000 SOAK_SQLITE_TOKENS=50000 npm run soak   # other sizes
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak, runSqliteSoak } from '../test/hardening/soak.js';

const tokens = Number(process.env.SOAK_TOKENS ?? 1_000_000);
const maxGrowthMB = Number(process.env.SOAK_MAX_GROWTH_MB ?? 16);
const sqliteTokens = Number(process.env.SOAK_SQLITE_TOKENS ?? 200_000);

async function main(): Promise<void> {
  console.log(`jwt-once soak: ${tokens.toLocaleString('en')} distinct tokens through createClaimer + MemoryStore`);
  const r = await runSoak({ tokens, log: (line) => console.log(line) });
  const growth = Math.round((r.finalHeapMB - r.baselineHeapMB) * 10) / 10;
  console.log(
    [
      `passed ${r.passed.toLocaleString('en')} of ${r.tokens.toLocaleString('en')} in ${r.seconds.toFixed(1)} s ` +
        `(${Math.round(r.tokens / r.seconds).toLocaleString('en')}/s)`,
      `replays tried ${r.replaysTried}, passed ${r.replaysPassed}, refused with an unexpected code ${r.refusedOther}`,
      `store: max ${r.maxStoreSize.toLocaleString('en')} live claims before a sweep, ${r.finalStoreSize.toLocaleString('en')} at the end`,
      `heapUsed after GC: first checkpoint ${r.baselineHeapMB} MB, max ${r.maxHeapMB} MB, final ${r.finalHeapMB} MB (growth ${growth} MB)`,
    ].join('\n'),
  );
  const failures: string[] = [];
  if (r.passed !== r.tokens) failures.push('not every fresh token passed');
  if (r.replaysPassed !== 0) failures.push('a replay passed');
  if (r.refusedOther !== 0) failures.push('a refusal had an unexpected code');
  if (growth > maxGrowthMB) failures.push(`heap grew by ${growth} MB (limit ${maxGrowthMB} MB)`);

  console.log(`\njwt-once soak: ${sqliteTokens.toLocaleString('en')} distinct tokens through a SQLite file (purged as the clock advances)`);
  const dir = mkdtempSync(join(tmpdir(), 'jwt-once-soak-'));
  try {
    const s = await runSqliteSoak({ file: join(dir, 'claims.db'), tokens: sqliteTokens, log: (line) => console.log(line) });
    const steady = s.sizesKB[Math.floor(s.sizesKB.length / 2)]!;
    const last = s.sizesKB[s.sizesKB.length - 1]!;
    console.log(
      `passed ${s.passed.toLocaleString('en')} in ${s.seconds.toFixed(1)} s; replays passed ${s.replaysPassed}; ` +
        `file + WAL ${steady} KB at half-way, ${last} KB at the end; rows left after the last purge ${s.rowsAtEnd}`,
    );
    if (s.passed !== s.tokens || s.replaysPassed !== 0) failures.push('SQLite: a token failed or a replay passed');
    if (last > steady * 1.2) failures.push(`SQLite file kept growing: ${steady} KB -> ${last} KB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('OK: bounded and flat, zero replays accepted');
  }
}

void main();
