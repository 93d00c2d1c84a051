/**
 * Every TypeScript snippet of README.md and of every Markdown page under docs/, verbatim
 * (only its import lines move to the top of this file), type-checked by `npm test` under
 * `strict`. Free names are parameters (a quick start's framework and `serve`
 * too, so the test can keep its server on loopback). `readme-snippets.test.ts`
 * runs the ones that can run here, and fails when a snippet is not found in
 * this file. test/package/quick-starts.test.ts runs the README quick starts as
 * written, from the packed package.
 */
import Router from '@koa/router';
import {
  Catch,
  Controller,
  Get,
  Module,
  Post,
  Req,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, PassportModule } from '@nestjs/passport';
import type { Response as ExpressResponse } from 'express';
import {
  JwtOnceGuard,
  JwtOnceHttpException,
  JwtOnceModule,
  Once,
  SkipOnce,
  type JwtOnceRequest as NestJwtOnceRequest,
} from '../../adapters/nest/index.js';
import KeyvRedis, { createClient, createCluster } from '@keyv/redis';
import express, { type Express, type Request as ExpressRequest, type RequestHandler } from 'express';
import type { serve as honoServe } from '@hono/node-server';
import { expressjwt } from 'express-jwt';
import { Hono, type Handler } from 'hono';
import { jwt } from 'hono/jwt';
import Keyv from 'keyv';
import type KoaClass from 'koa';
import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import type * as expressAdapter from '../../adapters/express/index.js';
import { type JwtOnceRequest } from '../../adapters/express/index.js';
import type * as honoAdapter from '../../adapters/hono/index.js';
import type * as koaAdapter from '../../adapters/koa/index.js';
import fastifyJwt from '@fastify/jwt';
import KeyvPostgres from '@keyv/postgres';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import type { IncomingMessage, Server } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type * as fastifyAdapter from '../../adapters/fastify/index.js';
import { type JwtOnceRequest as FastifyJwtOnceRequest } from '../../adapters/fastify/index.js';
import { createDpopChecker } from '../../src/dpop/index.js';
import { createWebGuard, withJwtOnce } from '../../adapters/web/index.js';
import { jwtOnce, type JwtOnceVariables } from '../../adapters/hono/index.js';
import { durableObjectStore, JwtOnceClaims, type DurableObjectNamespaceLike } from '../../src/stores/cloudflare/index.js';
import { denoKvStore, type DenoKvLike } from '../../src/index.js';

import { joseVerifier } from '../../src/jose/index.js';
import { subscribe } from 'node:diagnostics_channel';
import { jwtOnceTelemetry } from '../../src/otel/index.js';
import {
  CHANNELS,
  type RefuseEvent,
  claimToken,
  closeStores,
  createClaimer,
  createTokenPeeker,
  jwks,
  JwksUnavailableError,
  MemoryStore,
  RedisClaimStore,
  type ClaimStore,
  type JwtPayload,
} from '../../src/index.js';
import type * as nodeTest from 'node:test';
import { claimStoreContract, createTestClock, createTokenFactory, isolatedStore } from '../../src/testing/index.js';

export function expressQuickStart({ jwtOnce }: typeof expressAdapter, express: () => Express) {
  const app = express();
  app.post('/magic-login', jwtOnce({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] }), (req, res) => {
    res.json({ user: (req as JwtOnceRequest).auth!.sub }); // req.auth: the verified payload
  });
  app.listen(Number(process.env.PORT ?? 3000));
  return app;
}

export function koaQuickStart({ jwtOnce }: typeof koaAdapter, Koa: new () => KoaClass) {
  const router = new Router();
  router.post('/magic-login', jwtOnce({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] }), (ctx) => {
    ctx.body = { user: ctx.state.user.sub }; // ctx.state.user: the verified payload; ctx.state.jwtOnce: the claim
  });
  new Koa().use(router.routes()).listen(Number(process.env.PORT ?? 3000));
}

export function honoQuickStart({ jwtOnce }: typeof honoAdapter, serve: typeof honoServe) {
  const app = new Hono();
  app.post('/magic-login', jwtOnce({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] }), (c) =>
    c.json({ user: c.get('jwtPayload').sub }), // typed variables: jwtPayload (as hono/jwt) and jwtOnce (the claim)
  );
  serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }); // on Node; Bun, Deno and Workers take app.fetch as it is
  return app;
}

export function fastifyQuickStart({ jwtOnce }: typeof fastifyAdapter, Fastify: () => FastifyInstance) {
  type JwtOnceRequest = FastifyJwtOnceRequest;
  const app = Fastify();
  const once = jwtOnce({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] });
  app.post('/magic-login', { onRequest: once }, async (request) => ({
    user: (request as JwtOnceRequest).user.sub, // request.user: the verified payload (as @fastify/jwt); request.jwtOnce: the claim
  }));
  app.listen({ port: Number(process.env.PORT ?? 3000) }, (err) => {
    if (err) throw err;
  });
  return app;
}

export async function fastifyPlugin(app: FastifyInstance, secret: string, handler: RouteHandlerMethod, { jwtOncePlugin }: typeof fastifyAdapter) {
  await app.register(fastifyJwt, { secret }); // if you use @fastify/jwt: register it first, it declares request.user
  await app.register(jwtOncePlugin, { secret, algorithms: ['HS256'], releaseOnError: true });
  app.post('/pay', { onRequest: app.jwtOnce }, handler);
}

// Top level, as in a Next.js route module (`export const POST`): JWT_SECRET is set
// before this file is loaded (readme-snippets-env.ts), as a deployment sets it.
// `serve` stands for @hono/node-server's: it records what the snippet serves, for the test.
export const webServed: Array<Parameters<typeof honoServe>[0]> = [];
const serve = (options: Parameters<typeof honoServe>[0]): void => void webServed.push(options);

const options = { secret: process.env.JWT_SECRET!, algorithms: ['HS256'] } as const;

// Wrap a handler: extra arguments pass through (Deno's info, Workers' env/ctx, Next's context).
export const POST = withJwtOnce((request, claim) => Response.json({ user: claim.payload.sub }), options);

// Or ask for the claim or the ready refusal yourself.
const guard = createWebGuard(options);
async function confirm(request: Request): Promise<Response> {
  const outcome = await guard(request);
  if (!outcome.ok) return outcome.response; // same status, headers and body as the other adapters
  return Response.json({ confirmed: outcome.claim.key });
}

// Served on Node by @hono/node-server; Bun.serve, Deno.serve and Workers take `handler` as it is.
const handler = (request: Request) => (new URL(request.url).pathname === '/confirm' ? confirm(request) : POST(request));
serve({ fetch: handler, port: Number(process.env.PORT ?? 3000) });
export const webConfirm = confirm;

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

export function fastifyBehindVerifier(fastify: FastifyInstance, handler: RouteHandlerMethod, { jwtOnce }: typeof fastifyAdapter) {
  // Fastify with @fastify/jwt (registered first: await fastify.register(fastifyJwt, { secret }))
  fastify.post('/transfer', { onRequest: [async (request) => { await request.jwtVerify(); }, jwtOnce({ verifiedPayload: (request) => request.user })] }, handler);
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
  type Request = ExpressRequest; // the snippet's `import type { Request } from 'express'` (this file also uses the Web Request)
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

export function shutdown(server: Server) {
  process.on('SIGTERM', () => {
    server.close(() => void closeStores()); // the callback runs once every connection has ended
    setTimeout(() => server.closeAllConnections(), 10_000).unref(); // do not wait for idle clients forever
  });
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

export function redisReplicas(keyv: Keyv) {
  const store = new RedisClaimStore(keyv, { waitForReplicas: 1, replicaTimeout: 100 });
  // or: store: 'redis://:pass@redis:6379/0?waitForReplicas=1&replicaTimeout=100'
  return store;
}

export async function redisCluster(token: string, secret: string) {
  const cluster = createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:6379' }], defaults: { disableOfflineQueue: true } });
  await claimToken(token, { secret, algorithms: ['HS256'], store: new Keyv(new KeyvRedis(cluster), { namespace: 'jwt-once' }) });
}

/** Not run here: the PostgreSQL suites in test/stores run these stores. */
export async function postgresUrl(token: string, secret: string) {
  // npm install @keyv/postgres pg
  await claimToken(token, { secret, algorithms: ['HS256'], store: 'postgres://app:pass@db:5432/app?table=jwt_once' });
}

export function ownPostgresKeyv() {
  // or your own Keyv (its table, schema and pool):
  const store = new Keyv(new KeyvPostgres({ uri: 'postgres://app:pass@db:5432/app', table: 'jwt_once', schema: 'auth' }), { namespace: 'jwt-once' });
  return store;
}

/** Not run here (a Redis at that address); test/dpop runs the checker. */
export async function dpopChecker(
  req: IncomingMessage,
  proofHeaders: string | string[] | undefined,
  { method, url, accessToken, accessTokenPayload }: { method: string; url: string; accessToken: string; accessTokenPayload: JwtPayload },
) {
  const checkProof = createDpopChecker({ store: 'redis://127.0.0.1:6379' }); // options checked once
  // at the token endpoint:
  const { thumbprint } = await checkProof(req.headersDistinct.dpop, { method: 'POST', url: 'https://as.example.com/token' });
  // issue the access token with cnf: { jkt: thumbprint }
  // at a resource server, with the access token already verified:
  await checkProof(proofHeaders, { method, url, accessToken, accessTokenPayload });
  return thumbprint;
}

/** Not run here (a Redis at that address): test/core/client-assertion.test.ts runs this recipe. */
export async function clientAssertion(clientKeys: Map<string, KeyObject>, body: { client_assertion: string }) {
  const claimClientAssertion = createClaimer({
    algorithms: ['ES256', 'RS256', 'PS256'],
    // The key registered for the client the assertion names; the signature then proves it.
    secret: (_header, payload) => {
      const key = typeof payload.iss === 'string' ? clientKeys.get(payload.iss) : undefined;
      if (key === undefined) throw new Error('unknown client');
      return key;
    },
    audience: 'https://as.example.com/token', // RFC 7523 s3: aud identifies the authorization server
    maxTtl: 300,                              // a longer-lived assertion is refused, not held for hours
    scope: 'client-assertion',
    // iss = sub = client id; jti required (exp is required by jwt-once anyway).
    validate: (payload) => typeof payload.jti === 'string' && payload.iss === payload.sub,
    store: 'redis://127.0.0.1:6379',
  });
  // client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer
  const { payload } = await claimClientAssertion(body.client_assertion); // payload.iss is the client
  return payload;
}

/** Not run here: it would create var/links.db; test/core/peek-token.test.ts and examples/magic-link.ts run peek then claim. */
export async function magicLink(token: string) {
  const options = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] as const, store: 'sqlite://var/links.db' };
  const peek = createTokenPeeker(options); // GET /login?token=...: verify, read, spend nothing
  const claim = createClaimer(options);    // POST /login: the atomic claim

  const { state, payload } = await peek(token); // 'unused' | 'used' | 'unknown'
  return { state, payload, claim };
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

export function jwksIssuers(app: Express, transfer: RequestHandler, { jwtOnce }: typeof expressAdapter) {
  const secret = jwks({
    issuers: {
      'https://idp.example': 'https://idp.example/.well-known/jwks.json',
      'https://login.partner.example': 'https://login.partner.example/keys',
    },
  });
  app.post('/api/transfer', jwtOnce({ secret, algorithms: ['RS256', 'ES256'], audience: 'https://api.example' }), transfer);
}

export async function jwksUri(token: string, logger: Logger) {
  const secret = jwks({
    uri: 'https://idp.example/.well-known/jwks.json',
    onError: (err) => logger.warn({ code: err.code, detail: err.detail }, 'JWKS fetch failed'), // the URL and why
  });
  try {
    const { payload } = await claimToken(token, { secret, algorithms: ['RS256'], issuer: 'https://idp.example' });
    logger.warn({ sub: payload.sub }, 'first use');
  } catch (err) {
    if (err instanceof JwksUnavailableError) logger.error({ detail: err.detail }, 'key set down: 503, retry later');
    else throw err;
  }
}
/** docs/stores/deno-kv.md: type-checked here; run under Deno by test/stores/deno-kv.test.ts (the store). */
export async function denoKvQuickStart(Deno: {
  openKv(): Promise<DenoKvLike>;
  env: { get(name: string): string | undefined };
  serve(handler: (request: Request) => Promise<Response>): unknown;
}) {
  const store = denoKvStore(await Deno.openKv()); // Deno 2.x: run with --unstable-kv
  Deno.serve(async (request) => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    const claim = await claimToken(token, { secret: Deno.env.get('JWT_SECRET')!, algorithms: ['HS256'], store });
    return Response.json({ sub: claim.payload.sub });
  });
}

// docs/stores/durable-objects.md: a Worker's entry module, type-checked here; the same Worker runs in workerd in
// test/stores/durable-objects.test.ts and, bundled from the packed package, in test/package/package.test.ts.
type Env = { JWT_ONCE: DurableObjectNamespaceLike; JWT_SECRET: string };
const app = new Hono<{ Variables: JwtOnceVariables }>();

let once: ReturnType<typeof jwtOnce> | undefined;
app.post('/pay', (c, next) => {
  const env = c.env as Env; // the bindings arrive with the request
  once ??= jwtOnce({ secret: env.JWT_SECRET, algorithms: ['HS256'], store: durableObjectStore(env.JWT_ONCE) });
  return once(c, next);
});
app.post('/pay', (c) => c.json({ paid: true, sub: c.get('jwtPayload').sub }));

export { JwtOnceClaims }; // the runtime finds the Durable Object class among the entry's exports
export default app;

/** docs/guides/jose.md: an EdDSA-signed device login (test/jose/adapters.test.ts runs it on every framework). */
export function joseDeviceLogin(app: express.Express, { jwtOnce }: typeof expressAdapter) {
  app.post(
    '/device-login',
    jwtOnce({ secret: process.env.ED25519_PUBLIC_KEY_PEM!, algorithms: ['EdDSA'], verifier: joseVerifier }),
    (req: JwtOnceRequest, res) => res.json({ device: req.auth?.sub }),
  );
}

export function testingOwnStoreNodeTest({ after, before, describe, it }: typeof nodeTest, MyStore: new () => ClaimStore) {
  describe('MyStore keeps the ClaimStore contract', () => {
    claimStoreContract(() => new MyStore(), { it, before, after });
  });
}

export function testingOwnStoreJest(MyRedisStore: { connect(url: string): Promise<ClaimStore & { close(): Promise<void> }> }) {
  describe('MyRedisStore keeps the ClaimStore contract', () => {
    claimStoreContract(
      async () => {
        const store = await MyRedisStore.connect(process.env.REDIS_URL!);
        return { store, injectedClock: false, cleanup: () => store.close() };
      },
      { it, beforeAll, afterAll },
    );
  });
}

export function testingYourApp() {
  const clock = createTestClock(); // starts at 2026-01-01T00:00:00Z and moves only when told
  const options = { secret: process.env.JWT_SECRET!, algorithms: ['HS256'], issuer: 'https://idp.example', now: clock.now } as const;
  const sign = createTokenFactory(options); // HS256, iss https://idp.example, iat now, exp in 5 minutes, a new jti each

  it('confirms a link once, and not once it has expired', async () => {
    const confirm = createWebGuard({ ...options, store: isolatedStore() }); // a fresh store: no other test's claims
    const link = sign({ sub: 'alice' });
    const post = (token: string) => new Request('http://app.test/confirm', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await confirm(post(link))).ok).toBe(true);
    expect((await confirm(post(link))).ok).toBe(false); // a replay: 401 ERR_JWT_ONCE_REUSED
    const late = sign({ sub: 'bob' });
    clock.advance(5 * 60_000); // past exp, without sleeping
    expect((await confirm(post(late))).ok).toBe(false); // 401 ERR_JWT_ONCE_EXPIRED
  });
}

/** docs/reference/observability.md; type-checked, not run (the telemetry and channel tests run the same calls). */
export function observability(
  { jwtOnce }: typeof expressAdapter,
  secret: string,
  refusals: { inc(labels: { code: string; scope: string }): void },
  logger: { info(fields: object, message: string): void },
) {
  const guard = jwtOnce({
    secret,
    algorithms: ['HS256'],
    onRefuse: ({ code, scope }) => refusals.inc({ code, scope }),
  });

  subscribe(CHANNELS.refusal, (message) => {
    const { code, scope, durationMs } = message as RefuseEvent;
    logger.info({ code, scope, durationMs }, 'jwt-once refused');
  });

  // NodeSDK started (or metrics.setGlobalMeterProvider(...)) before this line:
  const telemetry = jwtOnceTelemetry(); // { meterProvider?, tracerProvider?, spans? }
  process.on('SIGTERM', () => telemetry.stop());
  return guard;
}

/** Stand-ins for @nestjs/config, which the NestJS page's forRootAsync snippet imports. */
@Module({})
class ConfigModule {}
class ConfigService {
  getOrThrow(name: string): string {
    const value = process.env[name];
    if (value === undefined) throw new Error(`${name} is not set`);
    return value;
  }
}

/** docs/adapters/nest.md: the module with a global guard, and @Once/@SkipOnce routes. Returns the module class. */
export function nestGlobalGuard() {
  type JwtOnceRequest = NestJwtOnceRequest;
  @Controller()
  class LoginController {
    @Post('magic-login')
    @Once({ scope: 'magic-login' })
    login(@Req() req: JwtOnceRequest) {
      return { user: req.jwtOnce.payload.sub };
    }

    @Get('health')
    @SkipOnce()
    health() {
      return 'ok';
    }
  }

  @Module({
    imports: [JwtOnceModule.forRoot({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'], store: process.env.JWT_ONCE_STORE })],
    controllers: [LoginController],
    providers: [{ provide: APP_GUARD, useClass: JwtOnceGuard }], // or @UseGuards(JwtOnceGuard) where needed
  })
  class AppModule {}
  return AppModule;
}

/** docs/adapters/nest.md: options from a factory. */
export function nestAsync() {
  return JwtOnceModule.forRootAsync({
    imports: [ConfigModule],
    inject: [ConfigService],
    useFactory: (config: ConfigService) => ({ secret: config.getOrThrow('LINK_SECRET'), algorithms: ['HS256'] }),
  });
}

/** docs/adapters/nest.md: behind passport-jwt's AuthGuard('jwt'); `JwtStrategy` is the app's passport-jwt strategy. */
export function nestBehindPassport(JwtStrategy: Type) {
  type JwtOnceRequest = NestJwtOnceRequest;
  @Controller('transfers')
  @UseGuards(AuthGuard('jwt'), JwtOnceGuard)
  class TransferController {
    @Post()
    transfer(@Req() req: JwtOnceRequest) {
      return { by: req.jwtOnce.payload.sub };
    }
  }

  @Module({
    imports: [PassportModule, JwtOnceModule.forRoot({ verifiedPayload: (req) => req.user, store: process.env.JWT_ONCE_STORE })],
    controllers: [TransferController],
    providers: [JwtStrategy],
  })
  class TransferModule {}
  return TransferModule;
}

/** docs/adapters/nest.md: a filter of the app's own for refusals (Express platform). */
export function nestRefusalFilter() {
  type Response = ExpressResponse;
  @Catch(JwtOnceHttpException)
  class RefusalFilter implements ExceptionFilter {
    catch(exception: JwtOnceHttpException, host: ArgumentsHost) {
      const res = host.switchToHttp().getResponse<Response>(); // Express's
      res.status(exception.getStatus()).set(exception.answer.headers).json({ error: exception.refusal.code });
    }
  }
  return RefusalFilter;
}
