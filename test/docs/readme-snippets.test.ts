/**
 * Every TypeScript snippet of README.md, verbatim (only its import lines move
 * to the top of this file), type-checked by `npm test` under `strict`, and the
 * ones that can run here run against real servers. The first test fails when
 * a README snippet is not found here, so the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import Router from '@koa/router';
import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import express, { type Request, type RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import { Hono, type Handler } from 'hono';
import { jwt } from 'hono/jwt';
import jsonwebtoken from 'jsonwebtoken';
import Keyv from 'keyv';
import KoaClass, { type Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import * as expressAdapter from '../../adapters/express.js';
import { type JwtOnceRequest } from '../../adapters/express.js';
import * as honoAdapter from '../../adapters/hono.js';
import * as koaAdapter from '../../adapters/koa.js';
import { claimToken, MemoryStore, ReusedTokenError, type ClaimStore } from '../../src/index.js';
import { listen, withBearer } from '../helpers/http.js';

// ---- The snippets, in README order. Free names are parameters. ----

function expressQuickStart({ jwtOnce }: typeof expressAdapter) {
  const app = express();
  app.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (req, res) => {
    res.json({ user: (req as JwtOnceRequest).auth!.sub }); // req.auth: the verified payload
  });
  return app;
}

function koaQuickStart({ jwtOnce }: typeof koaAdapter, Koa: new () => KoaClass) {
  const router = new Router();
  router.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (ctx) => {
    ctx.body = { user: ctx.state.user.sub }; // ctx.state.user: the verified payload; ctx.state.jwtOnce: the claim
  });
  new Koa().use(router.routes()).listen(3000);
}

function honoQuickStart({ jwtOnce }: typeof honoAdapter) {
  const app = new Hono();
  app.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (c) =>
    c.json({ user: c.get('jwtPayload').sub }), // typed variables: jwtPayload (as hono/jwt) and jwtOnce (the claim)
  );
  return app;
}

function expressScopes({ jwtOnce, routeScope }: typeof expressAdapter) {
  const app = express();
  const once = jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'], scope: routeScope });
  app.post('/magic-login', once, (req, res) => { res.send('logged in'); }); // scope 'POST /magic-login'
  app.post('/confirm-email', once, (req, res) => { res.send('confirmed'); }); // scope 'POST /confirm-email'
  app.post('/pay', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'], scope: 'payments' }), (req, res) => {
    res.send('paid'); // a fixed label
  });
  return app;
}

function expressBehindVerifier(app: express.Express, secret: string, handler: RequestHandler, { jwtOnce }: typeof expressAdapter) {
  // Express with express-jwt
  app.post('/transfer', expressjwt({ secret, algorithms: ['HS256'] }), jwtOnce({ verifiedPayload: (req) => (req as JwtOnceRequest).auth }), handler);
}

function koaBehindVerifier(router: Router, secret: string, handler: Middleware, { jwtOnce }: typeof koaAdapter) {
  // Koa with koa-jwt
  router.post('/transfer', koaJwt({ secret }), jwtOnce({ verifiedPayload: (ctx) => ctx.state.user }), handler);
}

function honoBehindVerifier(app: Hono, secret: string, handler: Handler, { jwtOnce }: typeof honoAdapter) {
  // Hono with hono/jwt
  app.post('/transfer', jwt({ secret, alg: 'HS256' }), jwtOnce({ verifiedPayload: (c) => c.get('jwtPayload') }), handler);
}

async function core(token: string) {
  const options = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] } as const;
  const { payload, key, expiresAt, release } = await claimToken(token, options);
  return { payload, key, expiresAt, release };
}

interface Logger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

function logging(app: express.Express, handler: RequestHandler, logger: Logger, { jwtOnce }: typeof expressAdapter) {
  // logging (`logger`: pino or any logger with warn and error)
  app.post(
    '/magic-login',
    jwtOnce({
      onReplay: ({ key, iss, sub, jti, scope, request }) =>
        logger.warn({ key, iss, sub, jti, scope, ip: (request as Request).ip }, 'jwt replay refused'),
      onStoreError: (err) => logger.error({ code: err.code, detail: err.detail }, 'jwt-once store unavailable'),
    }),
    handler,
  );
}

/** The part of prom-client's `Counter` the metrics snippet uses. */
class PromCounter {
  readonly counts = new Map<string, number>();
  constructor(readonly config: { name: string; help: string; labelNames: string[] }) {}
  inc(labels: Record<string, string>): void {
    const at = JSON.stringify(labels);
    this.counts.set(at, (this.counts.get(at) ?? 0) + 1);
  }
}

function metrics(app: express.Express, Counter: typeof PromCounter, { jwtOnce }: typeof expressAdapter) {
  // metrics (prom-client)
  const claims = new Counter({ name: 'jwt_once_claims_total', help: 'JWT claims', labelNames: ['outcome', 'scope'] });
  app.use(
    jwtOnce({
      onClaim: ({ scope }) => claims.inc({ outcome: 'claimed', scope }),
      onReplay: ({ scope }) => claims.inc({ outcome: 'replay', scope }),
      onStoreError: () => claims.inc({ outcome: 'store_error', scope: '' }),
    }),
  );
  return claims;
}

async function memoryStore(token: string, secret: string) {
  const store = new MemoryStore({ maxEntries: 100_000 }); // or leave `store` out
  await claimToken(token, { secret, algorithms: ['HS256'], store });
  return store;
}

/** Not run here: it would create var/jwt-once.db in the working directory. */
async function sqliteStore(token: string, secret: string) {
  // npm install @keyv/sqlite
  await claimToken(token, { secret, algorithms: ['HS256'], store: 'sqlite://var/jwt-once.db' });
  // or your own Keyv: new Keyv(new KeyvSqlite({ uri: 'sqlite://var/jwt-once.db', busyTimeout: 5000 }))
}

/** Not run here: the Redis suites in test/stores run these stores. */
async function redisUrl(token: string, secret: string) {
  // npm install @keyv/redis
  await claimToken(token, { secret, algorithms: ['HS256'], store: process.env.JWT_ONCE_STORE }); // redis://:pass@redis:6379/0
}

function ownRedisClient() {
  // or your own client and Keyv (namespace 'jwt-once' here):
  const client = createClient({ url: 'redis://redis:6379', disableOfflineQueue: true });
  const store = new Keyv(new KeyvRedis(client), { namespace: 'jwt-once' });
  return store;
}

async function redisCluster(token: string, secret: string) {
  const cluster = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }], defaults: { disableOfflineQueue: true } });
  await claimToken(token, { secret, algorithms: ['HS256'], store: new Keyv(new KeyvRedis(cluster)) });
}

function ownStore() {
  const claims = new Map<string, { expiresAt: number; id: string }>();
  const store: ClaimStore = {
    claim(key, expiresAt, now, id = '') {
      const live = claims.get(key);
      if (live !== undefined && live.expiresAt > now) return false;
      claims.set(key, { expiresAt, id });
      return true;
    },
    release(key, expiresAt, id = '') {
      const live = claims.get(key);
      if (live?.expiresAt === expiresAt && live.id === id) claims.delete(key);
    },
  };
  return { store, claims };
}

// ---- The tests. ----

const SECRET = 'readme-snippet-secret-0123456789abcdef';
let counter = 0;
/** A token valid now: the snippets use the real clock. */
const token = (claims: Record<string, unknown> = {}): string => {
  const now = Math.floor(Date.now() / 1000);
  return jsonwebtoken.sign({ iat: now, exp: now + 300, n: ++counter, ...claims }, SECRET, { algorithm: 'HS256' });
};
const normalize = (code: string): string => code.replace(/\s+/g, ' ').trim();

const saved = { ...process.env };
beforeAll(() => {
  process.env.LINK_SECRET = SECRET;
  process.env.JWT_ONCE_SECRET = SECRET;
  delete process.env.JWT_ONCE_STORE;
  delete process.env.JWT_ONCE_ISSUER;
  delete process.env.JWT_ONCE_AUDIENCE;
});
afterAll(() => {
  process.env = saved;
});

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(app: express.Express): Promise<string> {
  const server = await listen(createServer(app));
  servers.push(server);
  return server.url;
}

it('holds every TypeScript snippet of README.md verbatim (import lines aside)', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const here = normalize(readFileSync(__filename, 'utf8'));
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(16);
  const missing = blocks
    .map((block) => normalize(block.split('\n').filter((line) => !line.startsWith('import ')).join('\n')))
    .filter((code) => !here.includes(code));
  expect(missing).toEqual([]);
});

it('quick starts: Express, Koa and Hono each let a token through once', async () => {
  const expressUrl = await serve(expressQuickStart(expressAdapter));
  const t1 = token({ sub: 'alice' });
  const first = await withBearer(`${expressUrl}/magic-login`, t1);
  expect(await first.json()).toEqual({ user: 'alice' });
  expect((await withBearer(`${expressUrl}/magic-login`, t1)).status).toBe(401);

  // Koa listens where the snippet says 3000: here, a free loopback port.
  let koaServer: Server | undefined;
  class LoopbackKoa extends KoaClass {
    override listen(): Server {
      koaServer = createServer(this.callback());
      return koaServer;
    }
  }
  koaQuickStart(koaAdapter, LoopbackKoa);
  const koaUrl = (await listen(koaServer!)).url;
  servers.push({ close: () => new Promise((resolve) => koaServer!.close(() => resolve())) });
  const t2 = token({ sub: 'bob' });
  expect(await (await withBearer(`${koaUrl}/magic-login`, t2)).json()).toEqual({ user: 'bob' });
  expect((await withBearer(`${koaUrl}/magic-login`, t2)).status).toBe(401);

  const hono = honoQuickStart(honoAdapter);
  const t3 = token({ sub: 'carol' });
  const init = { method: 'POST', headers: { authorization: `Bearer ${t3}` } };
  expect(await (await hono.request('/magic-login', init)).json()).toEqual({ user: 'carol' });
  expect((await hono.request('/magic-login', init)).status).toBe(401);
});

it('scopes: routeScope gives each route one use whatever the spelling; a fixed label is one scope', async () => {
  const url = await serve(expressScopes(expressAdapter));
  const t = token();
  expect((await withBearer(`${url}/magic-login`, t)).status).toBe(200);
  expect((await withBearer(`${url}/confirm-email`, t)).status).toBe(200);
  expect((await withBearer(`${url}/MAGIC-LOGIN/`, t)).status).toBe(401);
  expect((await withBearer(`${url}/pay`, t)).status).toBe(200);
  expect((await withBearer(`${url}/Pay`, t)).status).toBe(401);
});

it('behind a verifier: express-jwt, koa-jwt and hono/jwt, then one use', async () => {
  const ok: RequestHandler = (_req, res) => { res.send('ok'); };
  const app = express();
  expressBehindVerifier(app, SECRET, ok, expressAdapter);
  const url = await serve(app);
  const t1 = token();
  expect((await withBearer(`${url}/transfer`, t1)).status).toBe(200);
  expect((await withBearer(`${url}/transfer`, t1)).status).toBe(401);

  const router = new Router();
  koaBehindVerifier(router, SECRET, (ctx) => { ctx.body = 'ok'; }, koaAdapter);
  const koa = new KoaClass();
  koa.silent = true;
  const koaServer = await listen(createServer(koa.use(router.routes()).callback()));
  servers.push(koaServer);
  const t2 = token();
  expect((await withBearer(`${koaServer.url}/transfer`, t2)).status).toBe(200);
  expect((await withBearer(`${koaServer.url}/transfer`, t2)).status).toBe(401);

  const hono = new Hono();
  honoBehindVerifier(hono, SECRET, (c) => c.text('ok'), honoAdapter);
  const t3 = token();
  const init = { method: 'POST', headers: { authorization: `Bearer ${t3}` } };
  expect((await hono.request('/transfer', init)).status).toBe(200);
  expect((await hono.request('/transfer', init)).status).toBe(401);
});

it('core, hooks, stores: what the snippets promise happens', async () => {
  const t = token({ sub: 'dave' });
  const claimed = await core(t);
  expect(claimed.payload.sub).toBe('dave');
  await expect(core(t)).rejects.toBeInstanceOf(ReusedTokenError);

  const logged: Array<[string, Record<string, unknown>]> = [];
  const logger: Logger = { warn: (fields, m) => logged.push([m, fields as Record<string, unknown>]), error: (fields, m) => logged.push([m, fields as Record<string, unknown>]) };
  const loggingApp = express();
  logging(loggingApp, (_req, res) => { res.send('ok'); }, logger, expressAdapter);
  const url = await serve(loggingApp);
  const replayed = token({ sub: 'eve' });
  await withBearer(`${url}/magic-login`, replayed);
  await withBearer(`${url}/magic-login`, replayed);
  expect(logged).toEqual([['jwt replay refused', expect.objectContaining({ sub: 'eve', ip: expect.any(String) })]]);

  const metricsApp = express();
  const claims = metrics(metricsApp, PromCounter, expressAdapter);
  metricsApp.post('/x', (_req, res) => { res.send('ok'); });
  const metricsUrl = await serve(metricsApp);
  const m = token();
  await withBearer(`${metricsUrl}/x`, m);
  await withBearer(`${metricsUrl}/x`, m);
  expect(Object.fromEntries(claims.counts)).toEqual({ '{"outcome":"claimed","scope":""}': 1, '{"outcome":"replay","scope":""}': 1 });

  const memory = await memoryStore(token(), SECRET);
  expect(memory.size).toBe(1);
  memory.close();

  const { store, claims: held } = ownStore();
  const mine = token();
  const claim = await claimToken(mine, { secret: SECRET, algorithms: ['HS256'], store });
  expect(held.size).toBe(1);
  await expect(claimToken(mine, { secret: SECRET, algorithms: ['HS256'], store })).rejects.toBeInstanceOf(ReusedTokenError);
  await claim.release();
  expect(held.size).toBe(0);

  // Type-checked only (they need a Redis at that address, or write to var/): referenced so they stay compiled.
  expect([sqliteStore, redisUrl, ownRedisClient, redisCluster].every((f) => typeof f === 'function')).toBe(true);
});
