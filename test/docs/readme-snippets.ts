/**
 * Every TypeScript snippet of README.md, verbatim (only its import lines move
 * to the top of this file), type-checked by `npm test` under `strict`. Free
 * names are parameters. `readme-snippets.test.ts` runs the ones that can run
 * here, and fails when a README snippet is not found in this file.
 */
import Router from '@koa/router';
import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import express, { type Request, type RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import { Hono, type Handler } from 'hono';
import { jwt } from 'hono/jwt';
import Keyv from 'keyv';
import type KoaClass from 'koa';
import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import type * as expressAdapter from '../../adapters/express.js';
import { type JwtOnceRequest } from '../../adapters/express.js';
import type * as honoAdapter from '../../adapters/hono.js';
import type * as koaAdapter from '../../adapters/koa.js';
import { claimToken, MemoryStore, type ClaimStore } from '../../src/index.js';

export function expressQuickStart({ jwtOnce }: typeof expressAdapter) {
  const app = express();
  app.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (req, res) => {
    res.json({ user: (req as JwtOnceRequest).auth!.sub }); // req.auth: the verified payload
  });
  return app;
}

export function koaQuickStart({ jwtOnce }: typeof koaAdapter, Koa: new () => KoaClass) {
  const router = new Router();
  router.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (ctx) => {
    ctx.body = { user: ctx.state.user.sub }; // ctx.state.user: the verified payload; ctx.state.jwtOnce: the claim
  });
  new Koa().use(router.routes()).listen(3000);
}

export function honoQuickStart({ jwtOnce }: typeof honoAdapter) {
  const app = new Hono();
  app.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (c) =>
    c.json({ user: c.get('jwtPayload').sub }), // typed variables: jwtPayload (as hono/jwt) and jwtOnce (the claim)
  );
  return app;
}

export function expressScopes({ jwtOnce, routeScope }: typeof expressAdapter) {
  const app = express();
  const once = jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'], scope: routeScope });
  app.post('/magic-login', once, (req, res) => { res.send('logged in'); }); // scope 'POST /magic-login'
  app.post('/confirm-email', once, (req, res) => { res.send('confirmed'); }); // scope 'POST /confirm-email'
  app.post('/pay', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'], scope: 'payments' }), (req, res) => {
    res.send('paid'); // a fixed label
  });
  return app;
}

export function expressBehindVerifier(app: express.Express, secret: string, handler: RequestHandler, { jwtOnce }: typeof expressAdapter) {
  // Express with express-jwt
  app.post('/transfer', expressjwt({ secret, algorithms: ['HS256'] }), jwtOnce({ verifiedPayload: (req) => (req as JwtOnceRequest).auth }), handler);
}

export function koaBehindVerifier(router: Router, secret: string, handler: Middleware, { jwtOnce }: typeof koaAdapter) {
  // Koa with koa-jwt
  router.post('/transfer', koaJwt({ secret }), jwtOnce({ verifiedPayload: (ctx) => ctx.state.user }), handler);
}

export function honoBehindVerifier(app: Hono, secret: string, handler: Handler, { jwtOnce }: typeof honoAdapter) {
  // Hono with hono/jwt
  app.post('/transfer', jwt({ secret, alg: 'HS256' }), jwtOnce({ verifiedPayload: (c) => c.get('jwtPayload') }), handler);
}

export async function core(token: string) {
  const options = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] } as const;
  const { payload, key, expiresAt, release } = await claimToken(token, options);
  return { payload, key, expiresAt, release };
}

export interface Logger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export function logging(app: express.Express, handler: RequestHandler, logger: Logger, { jwtOnce }: typeof expressAdapter) {
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
export class PromCounter {
  readonly counts = new Map<string, number>();
  constructor(readonly config: { name: string; help: string; labelNames: string[] }) {}
  inc(labels: Record<string, string>): void {
    const at = JSON.stringify(labels);
    this.counts.set(at, (this.counts.get(at) ?? 0) + 1);
  }
}

export function metrics(app: express.Express, Counter: typeof PromCounter, { jwtOnce }: typeof expressAdapter) {
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

export async function memoryStore(token: string, secret: string) {
  const store = new MemoryStore({ maxEntries: 100_000 }); // or leave `store` out
  await claimToken(token, { secret, algorithms: ['HS256'], store });
  return store;
}

/** Not run here: it would create var/jwt-once.db in the working directory. */
export async function sqliteStore(token: string, secret: string) {
  // npm install @keyv/sqlite
  await claimToken(token, { secret, algorithms: ['HS256'], store: 'sqlite://var/jwt-once.db' });
  // or your own Keyv: new Keyv(new KeyvSqlite({ uri: 'sqlite://var/jwt-once.db', busyTimeout: 5000 }))
}

/** Not run here: the Redis suites in test/stores run these stores. */
export async function redisUrl(token: string, secret: string) {
  // npm install @keyv/redis
  await claimToken(token, { secret, algorithms: ['HS256'], store: process.env.JWT_ONCE_STORE }); // redis://:pass@redis:6379/0
}

export function ownRedisClient() {
  // or your own client and Keyv (namespace 'jwt-once' here):
  const client = createClient({ url: 'redis://redis:6379', disableOfflineQueue: true });
  const store = new Keyv(new KeyvRedis(client), { namespace: 'jwt-once' });
  return store;
}

export async function redisCluster(token: string, secret: string) {
  const cluster = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }], defaults: { disableOfflineQueue: true } });
  await claimToken(token, { secret, algorithms: ['HS256'], store: new Keyv(new KeyvRedis(cluster)) });
}

export function ownStore() {
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
