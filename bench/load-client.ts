// The load generator child of the load scenario (bench/load.ts), forked by
// it, so the server is never measured by itself. Two kinds of run:
// - 'cannon': autocannon on GET /guarded, every request with a fresh token
//   from a pool signed before the run (jwt-once always takes its claim path);
//   answers throughput and p50/p99/p99.9 latency.
// - 'mixed': autocannon at a fixed overall rate on GET /open (no guard) and,
//   at the same time, `probes` loops that each send GET /guarded with a fresh
//   token, time the answer and wait `pace` ms; answers the /open latencies
//   and, per status, how many /guarded answers came and the slowest. The
//   parent stalls the store during a mixed run (after { started }).
import { createSecretKey } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { signTokens } from './harness.js';
import { SECRET } from './http-baselines.js';

export interface CannonRequest {
  kind: 'cannon';
  /** Base URL of one app, e.g. http://127.0.0.1:1234 */
  base: string;
  seconds: number;
  connections: number;
  tokens: number;
}

export interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface CannonResult extends Latency {
  rate: number;
  /** Non-2xx answers, plus requests sent after the token pool ran out. */
  non2xx: number;
  errors: number;
}

export interface MixedRequest {
  kind: 'mixed';
  base: string;
  seconds: number;
  connections: number;
  /** Requests per second on /open, all connections together. */
  openRate: number;
  probes: number;
  pace: number;
  tokens: number;
}

export interface MixedResult {
  open: Latency & { count: number; non2xx: number; errors: number };
  guarded: { ok: number; refused: number; other: number; errors: number; maxRefused: number; maxOk: number };
}

const key = createSecretKey(Buffer.from(SECRET, 'utf8'));

function latencyOf(result: { latency: { p50: number; p99: number; p99_9: number; max: number } }): Latency {
  return { p50: result.latency.p50, p99: result.latency.p99, p999: result.latency.p99_9, max: result.latency.max };
}

async function cannon(req: CannonRequest): Promise<CannonResult> {
  const { default: autocannon } = await import('autocannon');
  const pool = signTokens(req.tokens, key, 'HS256');
  let next = 0;
  let exhausted = 0;
  const result = await autocannon({
    url: req.base,
    connections: req.connections,
    duration: req.seconds,
    requests: [
      {
        method: 'GET',
        path: '/guarded',
        setupRequest: (r) => {
          if (next >= pool.length) exhausted++;
          const token = pool[next++ % pool.length]!;
          return { ...r, headers: { ...r.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
  return {
    rate: result['2xx'] / result.duration,
    non2xx: result.non2xx + exhausted,
    errors: result.errors + result.timeouts,
    ...latencyOf(result),
  };
}

/** One GET with a bearer token on a keep-alive agent: its status (0: error or no answer in 10 s) and ms. */
function timedGet(agent: Agent, base: string, path: string, token: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const done = (status: number): void => resolve({ status, ms: performance.now() - start });
    const req = request(`${base}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.once('end', () => done(res.statusCode ?? 0));
      res.once('error', () => done(0));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.once('error', () => done(0));
    req.end();
  });
}

async function mixed(req: MixedRequest): Promise<MixedResult> {
  const { default: autocannon } = await import('autocannon');
  const pool = signTokens(req.tokens, key, 'HS256');
  const agent = new Agent({ keepAlive: true, maxSockets: req.probes });
  const guarded = { ok: 0, refused: 0, other: 0, errors: 0, maxRefused: 0, maxOk: 0 };
  let next = 0;
  const end = Date.now() + req.seconds * 1000;
  const probe = async (): Promise<void> => {
    while (Date.now() < end && next < pool.length) {
      const { status, ms } = await timedGet(agent, req.base, '/guarded', pool[next++]!);
      if (status >= 200 && status < 300) {
        guarded.ok++;
        guarded.maxOk = Math.max(guarded.maxOk, ms);
      } else if (status === 503) {
        guarded.refused++;
        guarded.maxRefused = Math.max(guarded.maxRefused, ms);
      } else if (status === 0) guarded.errors++;
      else guarded.other++;
      await new Promise((r) => setTimeout(r, req.pace));
    }
  };
  process.send!({ started: true });
  const [open] = await Promise.all([
    autocannon({
      url: `${req.base}/open`,
      connections: req.connections,
      overallRate: req.openRate,
      duration: req.seconds,
    }),
    ...Array.from({ length: req.probes }, probe),
  ]);
  agent.destroy();
  return {
    open: { ...latencyOf(open), count: open.requests.total, non2xx: open.non2xx, errors: open.errors + open.timeouts },
    guarded,
  };
}

process.on('message', (message: CannonRequest | MixedRequest) => {
  const run = message.kind === 'cannon' ? cannon(message) : mixed(message);
  run.then(
    (result) => process.send!(result),
    (err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
