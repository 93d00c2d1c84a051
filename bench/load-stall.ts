// Scenario 9b: a stalled store. One Express server (bench/load-server.ts)
// whose GET /guarded runs jwt-once on a private redis-server with
// `storeTimeout` STORE_TIMEOUT, and whose GET /open has no guard. The loader
// (bench/load-client.ts) sends /open at a fixed rate and probes /guarded with
// fresh tokens, once with no stall, once while the redis-server runs
// `DEBUG SLEEP`, once while it is SIGSTOP'd (SIGCONT after), and once more
// with no stall. Measured: the slowest 503 of /guarded, timed in the server
// from the request's arrival (bar: storeTimeout + MARGIN, or + the server's
// worst event-loop delay in the run if larger; the client's view, which adds
// the loaded machine's scheduling, is shown beside it), and the p99 of /open
// (bar: at most twice the no-stall p99 + 10 ms).
// A PostgreSQL stall is not measured (see the scenario text in BENCHMARKS.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { log, pick, record, skip } from './harness.js';
import type { MixedRequest, MixedResult } from './load-client.js';
import { nextMessage, type PrivateRedis, startServer, stop } from './load-procs.js';
import type { LoadServerStats } from './load-server.js';

const SCENARIO = 'load stall';
const STORE_TIMEOUT = 500;
/** What a 503 may take beyond `storeTimeout`: the answer's own trip through a loaded event loop. */
const MARGIN = 250;
const OPEN_RATE = 500;
const PROBES = 16;

type Stall = 'none' | 'DEBUG SLEEP' | 'SIGSTOP';

function ms(value: number): string {
  return `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
}

/** Starts the stall `kind` for `seconds`; the promise settles when the store answers again. */
function stallRedis(redis: PrivateRedis, kind: Stall, seconds: number): Promise<void> {
  if (kind === 'none') return Promise.resolve();
  if (kind === 'SIGSTOP') {
    process.kill(redis.pid, 'SIGSTOP');
    return new Promise((resolve) =>
      setTimeout(() => {
        process.kill(redis.pid, 'SIGCONT');
        resolve();
      }, seconds * 1000),
    );
  }
  const cli: ChildProcess = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'DEBUG', 'SLEEP', String(seconds)], {
    stdio: 'ignore',
  });
  return new Promise((resolve) => cli.once('exit', () => resolve()));
}

type Run = MixedResult & { server: LoadServerStats };

async function mixedRun(loader: ChildProcess, base: string, redis: PrivateRedis, kind: Stall): Promise<Run> {
  const seconds = pick(3, 10);
  const stallFor = seconds - 1.5;
  const request: MixedRequest = {
    kind: 'mixed',
    base,
    seconds,
    connections: 64,
    openRate: OPEN_RATE,
    probes: PROBES,
    pace: 10,
    tokens: 200 * seconds * PROBES,
  };
  loader.send(request);
  await nextMessage(loader); // { started }
  let stalled = Promise.resolve();
  const timer = new Promise<void>((resolve) =>
    setTimeout(() => {
      stalled = stallRedis(redis, kind, stallFor);
      resolve();
    }, 500),
  );
  const result = await nextMessage<MixedResult & { error?: string }>(loader);
  await timer;
  await stalled;
  if (result.error !== undefined) throw new Error(`load generator: ${result.error}`);
  const { open, guarded } = result;
  const server = (await (await fetch(`${base}/stats`)).json()) as LoadServerStats;
  log(
    `    ${kind.padEnd(11)} /open: ${open.count} req, p50 ${ms(open.p50)}, p99 ${ms(open.p99)}, max ${ms(open.max)}, ${open.non2xx} non-2xx, ${open.errors} errors; ` +
      `/guarded: ${guarded.ok} 2xx (slowest ${ms(guarded.maxOk)}), ${guarded.refused} 503 (slowest ${ms(guarded.maxRefused)}), ${guarded.other} other, ${guarded.errors} errors; ` +
      `server: slowest 503 ${ms(server.maxRefused)}, worst event-loop delay ${ms(server.maxLoopDelay)}`,
  );
  // Let late store answers drain (and late wins be released) before the next run.
  await new Promise((r) => setTimeout(r, 1000));
  return { ...result, server };
}

/** The stalled-store runs on `redis` (undefined: skipped for `reason`). */
export async function runStalls(loader: ChildProcess, redis: PrivateRedis | undefined, reason: string | undefined): Promise<void> {
  log(
    `\n## 9b. Load, stalled store: jwt-once on a private redis-server (storeTimeout ${STORE_TIMEOUT} ms), ${OPEN_RATE} req/s on an unguarded route, ${PROBES} probes on the guarded one`,
  );
  skip(SCENARIO, 'PostgreSQL stall: not measured (a `LOCK TABLE` in another session would be the way); Redis only');
  if (redis === undefined) {
    skip(SCENARIO, `Redis: ${reason ?? 'unavailable'}`);
    return;
  }
  const { server, ports, error } = await startServer(redis.url, STORE_TIMEOUT);
  try {
    if (ports === undefined) {
      skip(SCENARIO, `Redis: the store did not take a claim: ${error ?? 'no answer'}`);
      return;
    }
    const base = `http://127.0.0.1:${ports['jwt-once']}`;
    const stallFor = pick(3, 10) - 1.5;
    const before = await mixedRun(loader, base, redis, 'none');
    const sleeping = await mixedRun(loader, base, redis, 'DEBUG SLEEP');
    const stopped = await mixedRun(loader, base, redis, 'SIGSTOP');
    const after = await mixedRun(loader, base, redis, 'none');
    const calm = (before.open.p99 + after.open.p99) / 2;
    record(
      SCENARIO,
      'no stall: p99 of GET /open (no guard), mean of a run before and after the stalls',
      `${ms(calm)} (${ms(before.open.p99)}, ${ms(after.open.p99)}); /guarded: ${before.guarded.ok + after.guarded.ok} 2xx, ${before.guarded.refused + after.guarded.refused} 503`,
    );
    for (const [kind, run] of [
      ['DEBUG SLEEP', sleeping],
      ['SIGSTOP', stopped],
    ] as const) {
      const { open, guarded, server } = run;
      // A timer fires no earlier than the event loop lets it: the server's own worst delay in the run widens the margin.
      const limit = STORE_TIMEOUT + Math.max(MARGIN, Math.ceil(server.maxLoopDelay));
      record(
        SCENARIO,
        `Redis ${kind} ${stallFor} s: slowest 503 of GET /guarded, timed in the server (storeTimeout ${STORE_TIMEOUT} ms)`,
        `${ms(server.maxRefused)} (${server.refused} 503; seen by the client: slowest ${ms(guarded.maxRefused)}, ${guarded.refused} 503, ${guarded.ok} 2xx, ${guarded.other + guarded.errors} other; server event-loop delay up to ${ms(server.maxLoopDelay)})`,
        `<= storeTimeout + max(${MARGIN} ms, event-loop delay) = ${limit} ms, some 503`,
        server.refused > 0 && server.maxRefused <= limit,
      );
      const bar = 2 * calm + 10;
      record(
        SCENARIO,
        `Redis ${kind} ${stallFor} s: p99 of GET /open (no guard), same server`,
        `${ms(open.p99)} (p50 ${ms(open.p50)}, p99.9 ${ms(open.p999)}, ${open.count} req, ${open.non2xx + open.errors} non-2xx/errors)`,
        `<= 2 x no stall + 10 ms = ${ms(bar)}`,
        open.p99 <= bar && open.non2xx + open.errors === 0,
      );
    }
  } finally {
    await stop(server);
  }
}
