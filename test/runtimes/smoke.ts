// The runtime smoke: the built package (dist/esm, `npm run build`) under Bun,
// Deno or Node. A plain script, not a jest file: it prints one line per check
// and `smoke (<runtime>): N passed, M failed, K skipped`, and exits 1 on any
// failure. Run it through `npm run test:runtimes` (scripts/test-runtimes.mjs),
// which finds the runtimes and passes the right flags.
//
// What it covers: claimToken (first use passes, the replay is refused, one
// winner out of 1,000 concurrent claims) on memory://, sqlite:// (a temp file)
// and Redis (127.0.0.1:6379, a namespace of its own); the Hono adapter over
// real HTTP (Bun.serve, Deno.serve, @hono/node-server); and the web adapter
// (jwt-once/web) once it exists. Without Redis it skips that store, unless
// CI=true, where it fails.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';
import { Hono } from 'hono';
import type { Claim, ClaimOptions, ClaimStore } from '../../src/index.js';
import type { JwtOnceVariables } from '../../adapters/hono/index.js';

type Core = typeof import('../../src/index.js');
type HonoAdapter = typeof import('../../adapters/hono/index.js');
type Handler = (request: Request) => Response | Promise<Response>;
type WebGuardResult = { ok: true; claim: Claim } | { ok: false; response: Response };
/** The API of jwt-once/web (adapters/web/index.ts), written against its agreed signature. */
interface WebAdapter {
  createWebGuard(options: object): (request: Request) => Promise<WebGuardResult>;
  withJwtOnce(
    handler: (request: Request, claim: Claim) => Response | Promise<Response>,
    options: object,
  ): (request: Request) => Promise<Response>;
}
interface Served {
  url: string;
  close(): Promise<void>;
}
interface BunGlobal {
  version: string;
  serve(options: { hostname: string; port: number; fetch: Handler }): { port: number; stop(force?: boolean): Promise<void> | void };
}
interface DenoGlobal {
  version: { deno: string };
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: Handler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REQUIRE_REDIS = process.env.CI === 'true';
const SECRET = 'runtime-smoke-secret-that-is-long-enough-for-hs256';
const RACE = 1000;
const { Bun, Deno } = globalThis as unknown as { Bun?: BunGlobal; Deno?: DenoGlobal };
const runtime =
  Bun !== undefined ? `bun ${Bun.version}` : Deno !== undefined ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`;

let passed = 0;
let failed = 0;
let skipped = 0;
process.on('unhandledRejection', (reason) => {
  failed++;
  console.log(`FAIL unhandled rejection: ${String(reason)}`);
});

async function check(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

function skip(name: string, why: string): void {
  skipped++;
  console.log(`skip ${name}: ${why}`);
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  expect(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

let counter = 0;
/** A fresh HS256 token valid for a minute. */
function token(sub = 'alice'): string {
  return jwt.sign({ sub, n: ++counter, r: randomUUID() }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
}

function bearer(url: string, value?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: value === undefined ? {} : { authorization: `Bearer ${value}` } });
}

/** Loads a module of the built package (dist/esm): what users import. */
async function built<T>(path: string): Promise<T> {
  const file = join(ROOT, 'dist/esm', path);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return (await import(new URL(`file://${file}`).href)) as T;
}

/** Serves `fetch` on 127.0.0.1, port 0, the runtime's own way. */
async function serve(fetchHandler: Handler): Promise<Served> {
  if (Bun !== undefined) {
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fetchHandler });
    return { url: `http://127.0.0.1:${server.port}`, close: async () => void (await server.stop(true)) };
  }
  if (Deno !== undefined) {
    const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => undefined }, fetchHandler);
    return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
  }
  const { createAdaptorServer } = await import('@hono/node-server');
  const server = createAdaptorServer({ fetch: fetchHandler });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'passed',
    (err: unknown) => String((err as { code?: unknown }).code),
  );
}

/** The refusal every adapter gives a replay: 401, an RFC 6750 challenge, an RFC 9457 body. */
async function expectReused(res: Response): Promise<void> {
  expectEqual(res.status, 401, 'replay status');
  expect(/^application\/problem\+json/.test(res.headers.get('content-type') ?? ''), 'replay content-type');
  expect((res.headers.get('www-authenticate') ?? '').startsWith('Bearer error="invalid_token"'), 'replay challenge');
  expectEqual(((await res.json()) as { code?: string }).code, 'ERR_JWT_ONCE_REUSED', 'replay code');
}

async function coreChecks(core: Core, label: string, store: ClaimOptions['store']): Promise<void> {
  const options: ClaimOptions = { secret: SECRET, algorithms: ['HS256'], store };
  await check(`${label}: claimToken passes the first use and refuses the replay`, async () => {
    const t = token('alice');
    const claim = await core.claimToken(t, options);
    expectEqual(claim.payload.sub, 'alice', 'payload sub');
    expect(/^sha256:/.test(claim.key), 'replay key');
    const err = await core.claimToken(t, options).catch((e: unknown) => e);
    expect(err instanceof core.ReusedTokenError, 'replay is a ReusedTokenError');
    expectEqual((err as { status?: number }).status, 401, 'replay status');
  });
  await check(`${label}: one winner out of ${RACE} concurrent claims`, async () => {
    const t = token('race');
    // The safety property, not speed: on the shared CI machine 1,000 SQLite claims took
    // 0.4-1.5 s (Node, Bun and Deno alike), past the 1 s default storeTimeout (503s, never a second winner).
    const raceOptions = { ...options, storeTimeout: 10_000 };
    const codes = await Promise.all(Array.from({ length: RACE }, () => codeOf(core.claimToken(t, raceOptions))));
    const tally: Record<string, number> = {};
    for (const c of codes) tally[c] = (tally[c] ?? 0) + 1;
    expectEqual(tally, { passed: 1, ERR_JWT_ONCE_REUSED: RACE - 1 }, 'outcomes');
  });
}

async function honoChecks(core: Core, adapter: HonoAdapter): Promise<void> {
  const app = new Hono<{ Variables: JwtOnceVariables }>();
  app.post('/login', adapter.jwtOnce({ secret: SECRET, algorithms: ['HS256'], store: new core.MemoryStore() }), (c) =>
    c.json({ sub: c.get('jwtPayload').sub }),
  );
  const server = await serve(app.fetch);
  try {
    await check('hono over HTTP: 200 once, then the replay answer, 401 Bearer without a token', async () => {
      const t = token('bob');
      const first = await bearer(`${server.url}/login`, t);
      expectEqual([first.status, await first.json()], [200, { sub: 'bob' }], 'first use');
      await expectReused(await bearer(`${server.url}/login`, t));
      const missing = await bearer(`${server.url}/login`);
      expectEqual([missing.status, missing.headers.get('www-authenticate')], [401, 'Bearer'], 'no token');
      await missing.body?.cancel();
    });
    await check('hono over HTTP: one 200 out of 100 concurrent requests', async () => {
      const t = token('carol');
      const statuses = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const res = await bearer(`${server.url}/login`, t);
          await res.body?.cancel();
          return res.status;
        }),
      );
      expectEqual([statuses.filter((s) => s === 200).length, statuses.filter((s) => s === 401).length], [1, 99], '200s and 401s');
    });
  } finally {
    await server.close();
  }
}

async function webChecks(core: Core): Promise<void> {
  const web = await built<WebAdapter>('adapters/web/index.js');
  const options = { secret: SECRET, algorithms: ['HS256'], store: new core.MemoryStore() };
  const guard = web.createWebGuard(options);
  await check('web: createWebGuard gives the claim once, then the refusal as a Response', async () => {
    const t = token('dave');
    const request = () => new Request('http://localhost/pay', { method: 'POST', headers: { authorization: `Bearer ${t}` } });
    const first = await guard(request());
    expect(first.ok && first.claim.payload.sub === 'dave', 'first use gives the claim');
    const second = await guard(request());
    expect(!second.ok, 'the replay is refused');
    if (!second.ok) await expectReused(second.response);
  });
  const handler = web.withJwtOnce((_request, claim) => Response.json({ sub: claim.payload.sub }), options);
  const server = await serve(handler);
  try {
    await check('web: withJwtOnce over HTTP answers 200 once, then the replay answer', async () => {
      const t = token('erin');
      const first = await bearer(`${server.url}/pay`, t);
      expectEqual([first.status, await first.json()], [200, { sub: 'erin' }], 'first use');
      await expectReused(await bearer(`${server.url}/pay`, t));
    });
  } finally {
    await server.close();
  }
}

/** Redis on 127.0.0.1:6379 through Keyv, in a namespace of its own, removed at the end. */
async function redisChecks(core: Core): Promise<void> {
  const { default: Keyv } = await import('keyv');
  const { default: KeyvRedis, createClient } = await import('@keyv/redis');
  const client = createClient({
    url: 'redis://127.0.0.1:6379',
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    const why = `no Redis on 127.0.0.1:6379 (${String(err)})`;
    if (REQUIRE_REDIS) await check('redis: reachable (CI=true requires it)', () => Promise.reject(new Error(why)));
    else skip('redis', `${why}; set CI=true to make this a failure`);
    return;
  }
  const namespace = `jwt-once-smoke-${randomUUID()}`;
  const store: ClaimStore = new core.RedisClaimStore(new Keyv(new KeyvRedis(client), { namespace }));
  try {
    await coreChecks(core, `redis (namespace ${namespace.slice(0, 22)}…)`, store);
  } finally {
    for await (const keys of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
    await client.close();
  }
}

async function main(): Promise<void> {
  console.log(`smoke (${runtime}): the built package in ${join(ROOT, 'dist/esm')}`);
  const core = await built<Core>('src/index.js');
  const hono = await built<HonoAdapter>('adapters/hono/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'jwt-once-smoke-'));
  try {
    await coreChecks(core, 'memory://', 'memory://');
    await coreChecks(core, 'sqlite:// (temp file)', `sqlite://${join(dir, 'claims.db')}`);
    await redisChecks(core);
    await honoChecks(core, hono);
    await webChecks(core);
  } finally {
    await core.closeStores();
    rmSync(dir, { recursive: true, force: true });
  }
}

// No top-level await: tsx runs this file as CommonJS under Node.
main()
  .catch((err: unknown) => {
    failed++;
    console.log(`FAIL smoke setup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  })
  .finally(() => {
    console.log(`smoke (${runtime}): ${passed} passed, ${failed} failed, ${skipped} skipped`);
    // Exit explicitly: a runtime that keeps a timer or socket alive must not hang CI.
    process.exit(failed === 0 ? 0 : 1);
  });
