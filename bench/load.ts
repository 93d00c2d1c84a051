// Scenario 9: load. Express + jwt-once over real HTTP on each store (memory,
// a SQLite file in a temp dir, a private redis-server, PostgreSQL with a table
// of the run) at 64 and 512 connections, beside the same app guarded by a bare
// `jsonwebtoken.verify` (KeyObject): throughput and p50/p99/p99.9 latency. The
// server runs in one child process (bench/load-server.ts), autocannon in
// another (bench/load-client.ts); every request carries a fresh token, so
// jwt-once always takes its claim path. Then the stalled-store runs
// (bench/load-stall.ts). Every process, file and table is removed at the end,
// also when a step throws.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, interleave, log, median, pick, record, skip } from './harness.js';
import type { CannonRequest, CannonResult, Latency } from './load-client.js';
import { dropPgTable, forkChild, installed, nextMessage, PrivateRedis, startServer, stop } from './load-procs.js';
import { runStalls } from './load-stall.js';

const SCENARIO = 'load';
const PG_URL = process.env.JWT_ONCE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTIONS = [64, 512] as const;

/** The highest 2xx rate seen so far: token pools are sized from it. */
let fastest = 8_000;

/** One autocannon run on `base` by the loader child. */
async function cannon(loader: ChildProcess, base: string, connections: number, seconds: number): Promise<CannonResult> {
  const tokens = Math.ceil(fastest * seconds * 1.5);
  loader.send({ kind: 'cannon', base, seconds, connections, tokens } satisfies CannonRequest);
  const result = await nextMessage<CannonResult & { error?: string }>(loader);
  if (result.error !== undefined) throw new Error(`load generator: ${result.error}`);
  fastest = Math.max(fastest, result.rate);
  return result;
}

function ms(value: number): string {
  return `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
}

function latencyText(samples: readonly Latency[]): string {
  const m = (pick: (l: Latency) => number): string => ms(median(samples.map(pick)));
  return `p50 ${m((l) => l.p50)}, p99 ${m((l) => l.p99)}, p99.9 ${m((l) => l.p999)}`;
}

async function benchStore(name: string, store: string, loader: ChildProcess): Promise<void> {
  log(`  ${name}:`);
  const { server, ports, error } = await startServer(store, 1000);
  try {
    if (ports === undefined) {
      skip(SCENARIO, `${name}: the store did not take a claim: ${error ?? 'no answer'}`);
      return;
    }
    const seconds = pick(3, 10);
    for (const connections of CONNECTIONS) {
      const latencies = new Map<string, Latency[]>();
      const problems = new Map<string, number>();
      const results = await interleave(
        (['bare verify', 'jwt-once'] as const).map((candidate) => ({
          name: candidate,
          sample: async () => {
            const result = await cannon(loader, `http://127.0.0.1:${ports[candidate]}`, connections, seconds);
            latencies.set(candidate, [...(latencies.get(candidate) ?? []), result]);
            const bad = result.non2xx + result.errors;
            if (bad > 0) problems.set(candidate, (problems.get(candidate) ?? 0) + bad);
            return result.rate;
          },
        })),
        pick(1, 3),
        1,
      );
      for (const [candidate, count] of problems) log(`    warning: ${name} ${candidate}: ${count} non-2xx answers or errors`);
      const label = `express + jwt-once, ${name}, ${connections} connections`;
      compare(
        SCENARIO,
        label,
        results.get('jwt-once')!.median,
        'express + bare verify (KeyObject)',
        results.get('bare verify')!.median,
        undefined,
        'req/s',
      );
      // Latency samples of the warm-up round are dropped: interleave records rates of recorded rounds only.
      const keep = (l: Latency[] | undefined): Latency[] => (l ?? []).slice(-results.get('jwt-once')!.samples.length);
      record(
        SCENARIO,
        `${label}: latency`,
        `${latencyText(keep(latencies.get('jwt-once')))} (bare verify: ${latencyText(keep(latencies.get('bare verify')))})`,
      );
    }
  } finally {
    await stop(server);
  }
}

export async function runLoad(): Promise<void> {
  log(
    `\n## 9. Load: Express + jwt-once on each store at ${CONNECTIONS.join(' and ')} connections vs the same app with a bare verify; then a stalled Redis`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'jwt-once-load-'));
  const table = `jwt_once_load_${process.pid}_${Date.now().toString(36)}`;
  const redis = installed('redis-server') && installed('redis-cli') ? new PrivateRedis() : undefined;
  let redisDown = redis === undefined ? 'redis-server or redis-cli is not installed' : undefined;
  const loader = forkChild('load-client.ts');
  try {
    await nextMessage(loader);
    if (redis !== undefined) {
      try {
        await redis.start();
      } catch (err) {
        redisDown = `a private redis-server did not start: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const stores: [string, string | undefined, string?][] = [
      ['memory', 'memory'],
      ['SQLite file', `sqlite://${join(dir, 'claims.db')}`],
      ['Redis (private redis-server)', redisDown === undefined ? redis!.url : undefined, redisDown],
      ['PostgreSQL', `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}table=${table}`],
    ];
    // JWT_ONCE_BENCH_LOAD=stall runs only the stalled-store part, =stores only the per-store part (default: both).
    const part = process.env.JWT_ONCE_BENCH_LOAD;
    for (const [name, store, reason] of part === 'stall' ? [] : stores) {
      if (store === undefined) skip(SCENARIO, `${name}: ${reason ?? 'unavailable'}`);
      else await benchStore(name, store, loader);
    }
    if (part !== 'stores') await runStalls(loader, redisDown === undefined ? redis : undefined, redisDown);
  } finally {
    await stop(loader);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    const failed = installed('psql') ? dropPgTable(PG_URL, table) : 'psql is not installed';
    if (failed !== undefined) log(`  note: ${failed} (it exists only if PostgreSQL answered)`);
  }
}
