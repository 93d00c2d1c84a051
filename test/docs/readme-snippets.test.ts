/**
 * Runs the snippets of README.md and docs/ (test/docs/readme-snippets.ts) that
 * can run here against real servers, and fails when a TypeScript snippet of
 * README.md or of a page under docs/ is not found verbatim in that file, so
 * they cannot drift apart.
 */
// First: the Web snippet reads LINK_SECRET when readme-snippets.ts loads.
import { README_SNIPPET_SECRET } from './readme-snippets-env.js';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, relative } from 'node:path';
import Router from '@koa/router';
import express, { type RequestHandler } from 'express';
import { Hono } from 'hono';
import Fastify from 'fastify';
import jsonwebtoken from 'jsonwebtoken';
import KoaClass from 'koa';
import * as expressAdapter from '../../adapters/express/index.js';
import * as fastifyAdapter from '../../adapters/fastify/index.js';
import * as honoAdapter from '../../adapters/hono/index.js';
import * as koaAdapter from '../../adapters/koa/index.js';
import { claimToken, ReusedTokenError } from '../../src/index.js';
import { listen, withBearer } from '../helpers/http.js';
import {
  core,
  expressBehindVerifier,
  expressQuickStart,
  expressScopes,
  fastifyBehindVerifier,
  fastifyPlugin,
  fastifyQuickStart,
  honoBehindVerifier,
  honoQuickStart,
  koaBehindVerifier,
  koaQuickStart,
  logging,
  magicLink,
  memoryStore,
  metrics,
  ownPostgresKeyv,
  ownRedisClient,
  ownStore,
  POST,
  postgresUrl,
  PromCounter,
  redisCluster,
  redisReplicas,
  redisUrl,
  shutdown,
  sqliteStore,
  webConfirm,
  webServed,
  clientAssertion,
  dpopChecker,
  type Logger,
} from './readme-snippets.js';

const SECRET = README_SNIPPET_SECRET;
let counter = 0;
/** A token valid now: the snippets use the real clock. */
const token = (claims: Record<string, unknown> = {}): string => {
  const now = Math.floor(Date.now() / 1000);
  return jsonwebtoken.sign({ iat: now, exp: now + 300, n: ++counter, ...claims }, SECRET, { algorithm: 'HS256' });
};
const normalize = (code: string): string => code.replace(/\s+/g, ' ').trim();

const ROOT = join(__dirname, '..', '..');
/** README.md, then every Markdown page under docs/ (sorted). */
function documentation(): string[] {
  const pages: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.md')) pages.push(join(dir, entry.name));
    }
  };
  walk(join(ROOT, 'docs'));
  return [join(ROOT, 'README.md'), ...pages];
}

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

it('holds every TypeScript snippet of README.md and docs/ verbatim (import lines aside)', () => {
  const here = normalize(readFileSync(join(__dirname, 'readme-snippets.ts'), 'utf8'));
  const pages = documentation();
  expect(pages.map((page) => relative(ROOT, page))).toEqual(
    expect.arrayContaining(['README.md', 'docs/reference/api.md', 'docs/stores/redis.md']),
  );
  const blocks = pages.flatMap((page) =>
    [...readFileSync(page, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({ page: relative(ROOT, page), code: m[1]! })),
  );
  expect(blocks.length).toBeGreaterThanOrEqual(16);
  expect(blocks.filter(({ page }) => page === 'README.md').length).toBeGreaterThanOrEqual(5); // one quick start per framework
  const missing = blocks
    .map(({ page, code }) => ({
      page,
      code: normalize(
        code
          .split('\n')
          .filter((line) => !line.startsWith('import '))
          .join('\n'),
      ),
    }))
    .filter(({ code }) => !here.includes(code));
  expect(missing).toEqual([]);
});

it('quick starts: Express, Koa and Hono each listen on PORT and let a token through once', async () => {
  process.env.PORT = '3999'; // what each quick start passes to listen/serve; the servers here listen on loopback port 0
  // Express listens where the snippet says (PORT): here, a free loopback port.
  let expressServer: Server | undefined;
  const listenedOn: unknown[] = [];
  const loopbackExpress = () => {
    const app = express();
    app.listen = ((port: unknown) => {
      listenedOn.push(port);
      expressServer = createServer(app);
      return expressServer;
    }) as typeof app.listen;
    return app;
  };
  expressQuickStart(expressAdapter, loopbackExpress);
  const expressUrl = (await listen(expressServer!)).url;
  servers.push({ close: () => new Promise((resolve) => expressServer!.close(() => resolve())) });
  const t1 = token({ sub: 'alice' });
  const first = await withBearer(`${expressUrl}/magic-login`, t1);
  expect(await first.json()).toEqual({ user: 'alice' });
  expect((await withBearer(`${expressUrl}/magic-login`, t1)).status).toBe(401);

  // Koa listens where the snippet says 3000: here, a free loopback port.
  let koaServer: Server | undefined;
  class LoopbackKoa extends KoaClass {
    override listen(port?: unknown): Server {
      listenedOn.push(port);
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

  // Hono: `serve` records what it was given; the test calls that fetch.
  const served: Array<{ fetch: typeof Hono.prototype.fetch; port?: number }> = [];
  const hono = honoQuickStart(honoAdapter, ((options: { fetch: typeof Hono.prototype.fetch; port?: number }) => {
    served.push(options);
  }) as unknown as Parameters<typeof honoQuickStart>[1]);
  expect(served).toEqual([{ fetch: hono.fetch, port: 3999 }]);
  const t3 = token({ sub: 'carol' });
  const init = () => ({ method: 'POST', headers: { authorization: `Bearer ${t3}` } });
  expect(await (await served[0]!.fetch(new Request('http://localhost/magic-login', init()))).json()).toEqual({ user: 'carol' });
  expect((await hono.request('/magic-login', init())).status).toBe(401);
  expect(listenedOn).toEqual([3999, 3999]);
  delete process.env.PORT;
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
  const ok: RequestHandler = (_req, res) => {
    res.send('ok');
  };
  const app = express();
  expressBehindVerifier(app, SECRET, ok, expressAdapter);
  const url = await serve(app);
  const t1 = token();
  expect((await withBearer(`${url}/transfer`, t1)).status).toBe(200);
  expect((await withBearer(`${url}/transfer`, t1)).status).toBe(401);

  const router = new Router();
  koaBehindVerifier(
    router,
    SECRET,
    (ctx) => {
      ctx.body = 'ok';
    },
    koaAdapter,
  );
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
  const logger: Logger = {
    warn: (fields, m) => logged.push([m, fields as Record<string, unknown>]),
    error: (fields, m) => logged.push([m, fields as Record<string, unknown>]),
  };
  const loggingApp = express();
  logging(
    loggingApp,
    (_req, res) => {
      res.send('ok');
    },
    logger,
    expressAdapter,
  );
  const url = await serve(loggingApp);
  const replayed = token({ sub: 'eve' });
  await withBearer(`${url}/magic-login`, replayed);
  await withBearer(`${url}/magic-login`, replayed);
  expect(logged).toEqual([['jwt replay refused', expect.objectContaining({ sub: 'eve', ip: expect.any(String) })]]);

  const metricsApp = express();
  const claims = metrics(metricsApp, PromCounter, expressAdapter);
  metricsApp.post('/x', (_req, res) => {
    res.send('ok');
  });
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

  // Type-checked only (they need a Redis or PostgreSQL at that address, write to var/, or register a
  // SIGTERM handler): referenced so they stay compiled.
  const typeCheckedOnly = [
    sqliteStore,
    redisUrl,
    ownRedisClient,
    redisReplicas,
    redisCluster,
    postgresUrl,
    ownPostgresKeyv,
    dpopChecker,
    clientAssertion,
    magicLink,
    shutdown,
  ];
  expect(typeCheckedOnly.every((f) => typeof f === 'function')).toBe(true);
});

it('Fastify: the route hook, the plugin and the hook behind @fastify/jwt each let a token through once', async () => {
  const serveFastify = async (app: ReturnType<typeof Fastify>): Promise<string> => {
    servers.push({ close: () => app.close() });
    return app.listen({ port: 0, host: '127.0.0.1' });
  };
  // The quick start listens on PORT on localhost (Fastify's default host): port 0 here.
  process.env.PORT = '0';
  const quick = fastifyQuickStart(fastifyAdapter, () => Fastify());
  servers.push({ close: () => quick.close() });
  await new Promise<void>((resolve) => (quick.server.listening ? resolve() : quick.server.once('listening', () => resolve())));
  delete process.env.PORT;
  const quickUrl = `http://localhost:${(quick.server.address() as { port: number }).port}`;
  const t1 = token({ sub: 'frank' });
  const first = await withBearer(`${quickUrl}/magic-login`, t1);
  expect(first.status).toBe(200);
  expect(await first.json()).toEqual({ user: 'frank' });
  expect((await withBearer(`${quickUrl}/magic-login`, t1)).status).toBe(401);

  const app = Fastify();
  await fastifyPlugin(app, SECRET, async () => ({ paid: true }), fastifyAdapter);
  // Behind @fastify/jwt, which fastifyPlugin registered on this instance.
  fastifyBehindVerifier(app, async () => ({ transferred: true }), fastifyAdapter);
  const url = await serveFastify(app);
  const t2 = token();
  expect((await withBearer(`${url}/pay`, t2)).status).toBe(200);
  expect((await withBearer(`${url}/pay`, t2)).status).toBe(401);
  const t3 = token();
  expect((await withBearer(`${url}/transfer`, t3)).status).toBe(200);
  expect((await withBearer(`${url}/transfer`, t3)).status).toBe(401);
  const forged = jsonwebtoken.sign({ exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret-0123456789abcdef', { algorithm: 'HS256' });
  expect((await withBearer(`${url}/transfer`, forged)).status).toBe(401); // @fastify/jwt refused it before any claim
});

it('Web: withJwtOnce (POST) and createWebGuard (confirm) each let a token through once, served by the handler the snippet serves', async () => {
  const request = (t: string) => new Request('http://localhost/x', { method: 'POST', headers: { authorization: `Bearer ${t}` } });
  const t1 = token({ sub: 'grace' });
  const first = await POST(request(t1));
  expect(first.status).toBe(200);
  expect(await first.json()).toEqual({ user: 'grace' });
  const replay = await POST(request(t1));
  expect(replay.status).toBe(401);
  expect(((await replay.json()) as { code: string }).code).toBe('ERR_JWT_ONCE_REUSED');

  const t2 = token();
  const confirmed = await webConfirm(request(t2));
  expect(confirmed.status).toBe(200);
  expect(await confirmed.json()).toEqual({ confirmed: expect.any(String) });
  expect((await webConfirm(request(t2))).status).toBe(401);

  expect(webServed).toEqual([{ fetch: expect.any(Function), port: Number(process.env.PORT ?? 3000) }]);
  const webFetch = webServed[0]!.fetch as (request: Request) => Promise<Response>;
  const at = (path: string, t: string) =>
    new Request(`http://localhost${path}`, { method: 'POST', headers: { authorization: `Bearer ${t}` } });
  const t3 = token({ sub: 'heidi' });
  expect(await (await webFetch(at('/magic-login', t3))).json()).toEqual({ user: 'heidi' });
  expect((await webFetch(at('/magic-login', t3))).status).toBe(401);
  const t4 = token();
  expect(await (await webFetch(at('/confirm', t4))).json()).toEqual({ confirmed: expect.any(String) });
  expect((await webFetch(at('/confirm', t4))).status).toBe(401);
});
