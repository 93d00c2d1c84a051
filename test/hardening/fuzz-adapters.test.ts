import { createServer, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import { Hono, type Context as HonoContext } from 'hono';
import fc from 'fast-check';
import jwt, { type JwtHeader } from 'jsonwebtoken';
import Koa, { type Context as KoaContext } from 'koa';
import Fastify, { type FastifyRequest } from 'fastify';
import { jwtOnce as fastifyJwtOnce, type JwtOnceRequest as FastifyJwtOnceRequest } from '../../adapters/fastify/index.js';
import { jwtOnce as honoJwtOnce, type JwtOnceVariables } from '../../adapters/hono/index.js';
import { jwtOnce as koaJwtOnce } from '../../adapters/koa/index.js';
import { withJwtOnce } from '../../adapters/web/index.js';
import type { ClaimOptions } from '../../src/index.js';
import { listen } from '../helpers/http.js';
import { HS_SECRET, hsToken, NOW, NOW_S, rsaKeys } from '../helpers/tokens.js';
import {
  algConfusionTokens,
  bulkyForgeries,
  headerSafeChar,
  hostileKidTokens,
  malformedTokens,
  rawPost,
  signedHostileClaims,
  signRaw,
  SpyStore,
  type RawResponse,
} from './hostile.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';

/**
 * The hostile-input properties of fuzz.test.ts (Express), for the Koa, Hono,
 * Fastify and Web adapters over real HTTP on loopback. Each adapter serves four routes that
 * share one spy store and one replay space (scope ''):
 *   /x       the default: `Authorization: Bearer`
 *   /kid     a naive `keys[kid]` resolver
 *   /cookie  `cookie: 'magic'` as a fallback to the bearer token
 *   /rs      RS256 with the public key (algorithm confusion)
 */

const HTTP_RUNS = { numRuns: 100 };
const COOKIE = 'magic';

const rsa = rsaKeys();
const KEYS: Record<string, string> = { 'key-1': HS_SECRET };

function claimOptions(store: SpyStore): ClaimOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store, now: () => NOW };
}
function kidOptions(store: SpyStore): ClaimOptions {
  return { ...claimOptions(store), secret: (h: JwtHeader) => KEYS[h.kid as string]! };
}
function rsOptions(store: SpyStore): ClaimOptions {
  return { secret: rsa.publicPem, algorithms: ['RS256'], store, now: () => NOW };
}

let counter = 0;
/** A fresh valid token every route accepts (`kid: key-1` for the resolver route). */
function freshToken(): string {
  return jwt.sign({ iat: NOW_S, exp: NOW_S + 300, n: ++counter, sub: 'alice' }, HS_SECRET, { algorithm: 'HS256', keyid: 'key-1' });
}

interface Target {
  url: string;
  store: SpyStore;
  /** Errors that reached the framework's own error handler (would be 5xx). */
  serverErrors(): number;
  close(): Promise<void>;
}

async function startKoa(): Promise<Target> {
  const store = new SpyStore();
  let errors = 0;
  const app = new Koa();
  app.silent = true;
  app.on('error', () => errors++);
  const router = new Router();
  const ok = (ctx: KoaContext) => {
    ctx.body = { sub: ctx.state.user?.sub ?? null };
  };
  router.post('/x', koaJwtOnce(claimOptions(store)), ok);
  router.post('/kid', koaJwtOnce(kidOptions(store)), ok);
  router.post('/cookie', koaJwtOnce({ ...claimOptions(store), cookie: COOKIE }), ok);
  router.post('/rs', koaJwtOnce(rsOptions(store)), ok);
  app.use(router.routes()).use(router.allowedMethods());
  const server = await listen(createServer(app.callback()));
  return { url: server.url, store, serverErrors: () => errors, close: server.close };
}

type HonoEnv = { Variables: JwtOnceVariables };

function honoApp(store: SpyStore, onServerError: () => void): Hono<HonoEnv> {
  const ok = (c: HonoContext<HonoEnv>) => c.json({ sub: c.get('jwtPayload').sub ?? null });
  return new Hono<HonoEnv>()
    .onError((_err, c) => {
      onServerError();
      return c.text('Internal Server Error', 500);
    })
    .post('/x', honoJwtOnce(claimOptions(store)), ok)
    .post('/kid', honoJwtOnce(kidOptions(store)), ok)
    .post('/cookie', honoJwtOnce({ ...claimOptions(store), cookie: COOKIE }), ok)
    .post('/rs', honoJwtOnce(rsOptions(store)), ok);
}

let honoInMemory: { app: Hono<HonoEnv>; store: SpyStore; errors: number } | undefined;

async function startHono(): Promise<Target> {
  const store = new SpyStore();
  let errors = 0;
  const app = honoApp(store, () => errors++);
  const server = await listen(createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' }) as Server);
  return { url: server.url, store, serverErrors: () => errors, close: server.close };
}

async function startFastify(): Promise<Target> {
  const store = new SpyStore();
  let errors = 0;
  const app = Fastify();
  app.setErrorHandler((_err, _request, reply) => {
    errors++;
    reply.code(500).send('Internal Server Error');
  });
  const ok = async (request: FastifyRequest) => ({ sub: (request as FastifyJwtOnceRequest).user.sub ?? null });
  app.post('/x', { onRequest: fastifyJwtOnce(claimOptions(store)) }, ok);
  app.post('/kid', { onRequest: fastifyJwtOnce(kidOptions(store)) }, ok);
  app.post('/cookie', { onRequest: fastifyJwtOnce({ ...claimOptions(store), cookie: COOKIE }) }, ok);
  app.post('/rs', { onRequest: fastifyJwtOnce(rsOptions(store)) }, ok);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, store, serverErrors: () => errors, close: () => app.close() };
}

/** The Web adapter: one fetch handler per route, served by @hono/node-server (Headers joins repeated lines). */
async function startWeb(): Promise<Target> {
  const store = new SpyStore();
  let errors = 0;
  const ok = (_request: Request, claim: { payload: { sub?: string } }) => Response.json({ sub: claim.payload.sub ?? null });
  const routes: Record<string, (request: Request) => Promise<Response>> = {
    '/x': withJwtOnce(ok, claimOptions(store)),
    '/kid': withJwtOnce(ok, kidOptions(store)),
    '/cookie': withJwtOnce(ok, { ...claimOptions(store), cookie: COOKIE }),
    '/rs': withJwtOnce(ok, rsOptions(store)),
  };
  const fetch = async (request: Request): Promise<Response> => {
    try {
      return await routes[new URL(request.url).pathname]!(request);
    } catch {
      errors++;
      return new Response('Internal Server Error', { status: 500 });
    }
  };
  const server = await listen(createAdaptorServer({ fetch, hostname: '127.0.0.1' }) as Server);
  return { url: server.url, store, serverErrors: () => errors, close: server.close };
}

/**
 * Header-value bytes Node's client sends as they are (latin1) and no HTTP
 * stack trims: no SP, HTAB or controls (NBSP, 0xa0, is kept).
 */
const sendable = (t: string): boolean => /^[\x21-\x7e\x80-\xff]+$/.test(t);

/**
 * Tokens no route accepts: structural, claim-level, bulky, algorithm
 * confusion, random text and bytes. (Tokens with a hostile `kid` are validly
 * signed and only hostile on /kid: see `hostileRequests`.)
 */
const hostileTokens: fc.Arbitrary<string> = fc
  .oneof(
    malformedTokens(() => hsToken()),
    malformedTokens(freshToken),
    signedHostileClaims,
    bulkyForgeries,
    algConfusionTokens([rsa.publicPem, rsa.publicPem.trim(), rsa.publicPem.replace(/\n/g, '\r\n')]),
    fc.string({ minLength: 1, maxLength: 300, unit: headerSafeChar }),
    // Raw latin1 bytes (obs-text) as they arrive in a header.
    fc
      .uint8Array({ minLength: 1, maxLength: 300 })
      .map((bytes) => Buffer.from(bytes.map((b) => (b < 0x21 || b === 0x7f ? 0x41 : b))).toString('latin1')),
  )
  .filter(sendable);

const ROUTES = ['/x', '/kid', '/cookie', '/rs'] as const;

/** [token, route] pairs where the token must be refused: any hostile token anywhere, a bad `kid` on /kid. */
const hostileRequests: fc.Arbitrary<[string, string]> = fc.oneof(
  { arbitrary: fc.tuple(hostileTokens, fc.constantFrom<string>(...ROUTES)), weight: 4 },
  { arbitrary: fc.tuple(hostileKidTokens.filter(sendable), fc.constant('/kid')), weight: 1 },
);

/** A refusal: 400/401, problem+json, a not-a-claim code, and a Bearer challenge. */
function expectRefusal(res: RawResponse, codes: RegExp = /^ERR_JWT_ONCE_(INVALID|EXPIRED|MISSING|MALFORMED)$/): Record<string, unknown> {
  if (res.status >= 500) throw new Error(`server answered ${res.status}: ${res.body.slice(0, 200)}`);
  expect([400, 401]).toContain(res.status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body.code).toMatch(/^ERR_JWT_ONCE_[A-Z]+$/);
  expect(body.code).toMatch(codes);
  expect(body.status).toBe(res.status);
  // 400 only for a malformed Bearer credential (RFC 6750 invalid_request), 401 otherwise.
  expect(res.status).toBe(body.code === 'ERR_JWT_ONCE_MALFORMED' ? 400 : 401);
  const challenge = res.headers['www-authenticate'];
  expect(challenge).toMatch(/^Bearer( |$)/);
  if (res.status === 400) {
    expect(challenge).toEqual(expect.stringMatching(/^Bearer error="invalid_request", error_description="[\x20-\x7e]*"$/));
  } else {
    expect(challenge).toEqual(
      body.code === 'ERR_JWT_ONCE_MISSING'
        ? 'Bearer'
        : expect.stringMatching(/^Bearer error="invalid_token", error_description="[\x20-\x7e]*"$/),
    );
  }
  return body;
}

failOnUnhandledRejections();

describe.each([
  ['Koa', startKoa],
  ['Hono (@hono/node-server)', startHono],
  ['Fastify', startFastify],
  ['Web (withJwtOnce on @hono/node-server)', startWeb],
])('%s jwtOnce over real HTTP under hostile input', (_name, start) => {
  let target: Target;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => target.close());

  /** Runs `body` and checks that it reached the store not once and raised no server error. */
  async function withoutClaims(body: () => Promise<void>): Promise<void> {
    const before = target.store.claims;
    await body();
    expect(target.store.claims).toBe(before);
    expect(target.serverErrors()).toBe(0);
  }

  it('answers every hostile bearer token on every route with a coded refusal, never 5xx, never a claim', async () => {
    await withoutClaims(() =>
      fc.assert(
        fc.asyncProperty(hostileRequests, async ([token, path]) => {
          expectRefusal(await rawPost(`${target.url}${path}`, { authorization: `Bearer ${token}` }));
        }),
        { numRuns: 250 },
      ),
    );
  });

  it('answers odd Authorization headers (schemes, spacing, repeated lines) with a coded refusal, never a claim', async () => {
    const scheme = fc.constantFrom(
      'Bearer',
      'bearer',
      'BEARER',
      'Basic',
      'Token',
      'JWT',
      'Bearer:',
      'Bearerx',
      'Bear',
      '',
      'DPoP',
      'Negotiate',
    );
    const gap = fc.constantFrom(' ', '  ', '   ', '\t', '', ' \t ', ',', ', ');
    const token = fc.oneof(fc.constant(''), hostileTokens);
    const line = fc
      .tuple(scheme, gap, token, fc.constantFrom('', ' ', '  ', ',', ', Bearer x'))
      .map(([s, g, t, tail]) => `${s}${g}${t}${tail}`);
    await withoutClaims(() =>
      fc.assert(
        fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 3 }), fc.constantFrom('/x', '/cookie'), async (lines, path) => {
          expectRefusal(await rawPost(`${target.url}${path}`, { authorization: lines.length === 1 ? lines[0]! : lines }));
        }),
        HTTP_RUNS,
      ),
    );
  });

  it('never claims a valid token riding in a second Authorization line behind a hostile first one', async () => {
    const first = fc.oneof(
      hostileTokens.map((t) => `Bearer ${t}`),
      fc.constantFrom('Bearer', 'Basic dXNlcjpwYXNz', 'Token x', 'Bearer ,'),
    );
    const riders: string[] = [];
    await withoutClaims(() =>
      fc.assert(
        fc.asyncProperty(first, fc.constantFrom('/x', '/kid', '/cookie'), async (line, path) => {
          const rider = freshToken();
          riders.push(rider);
          expectRefusal(await rawPost(`${target.url}${path}`, { authorization: [line, `Bearer ${rider}`] }));
        }),
        { numRuns: 40 },
      ),
    );
    // Each rider is still unused: it passes now, once.
    for (const rider of riders.slice(0, 5))
      expect((await rawPost(`${target.url}/x`, { authorization: `Bearer ${rider}` })).status).toBe(200);
  });

  it('answers hostile cookies (quoted, spaced, duplicated, repeated lines, valid ones under other names) with a coded refusal, never a claim', async () => {
    const cookieToken = hostileTokens.filter((t) => !t.includes(';'));
    const authorization = fc.constantFrom<string | undefined>(
      undefined,
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Token abc',
      'Bearer ,',
      'Bearer a b',
    );
    const cookie = fc.tuple(cookieToken, fc.integer({ min: 0, max: 8 })).map(([t, shape]): string | string[] => {
      const valid = freshToken(); // never the one read: always after, or under another name
      switch (shape) {
        case 0:
          return `${COOKIE}=${t}`;
        case 1:
          return `${COOKIE}="${t}"`;
        case 2:
          return ` ${COOKIE} = ${t} ;`;
        case 3:
          return `theme=dark; ${COOKIE}=${t}; other=1`;
        case 4:
          return `${COOKIE}=${t}; ${COOKIE}=${valid}`;
        case 5:
          return [`${COOKIE}=${t}`, `${COOKIE}=${valid}`];
        case 6:
          return `${COOKIE}2=${valid}; Magic=${valid}; ${COOKIE}=${t}`;
        case 7:
          return `${COOKIE}=${t}=${valid}`;
        default:
          return `x${COOKIE}=${valid}; ${COOKIE}=${t}`;
      }
    });
    await withoutClaims(() =>
      fc.assert(
        fc.asyncProperty(cookie, authorization, async (cookieHeader, auth) => {
          const headers: Record<string, string | string[]> = { cookie: cookieHeader };
          if (auth !== undefined) headers.authorization = auth;
          expectRefusal(await rawPost(`${target.url}/cookie`, headers));
        }),
        HTTP_RUNS,
      ),
    );
  });

  it('lets a hostile bearer token win over a valid cookie: no fallback, no claim', async () => {
    // Any credential under the Bearer scheme, well-formed or not (a comma or
    // whitespace inside is a 400), is the one judged: the cookie is never read.
    const bearerShaped = hostileTokens.filter(sendable);
    await withoutClaims(() =>
      fc.assert(
        fc.asyncProperty(bearerShaped, async (token) => {
          expectRefusal(await rawPost(`${target.url}/cookie`, { authorization: `Bearer ${token}`, cookie: `${COOKIE}=${freshToken()}` }));
        }),
        { numRuns: 40 },
      ),
    );
  });

  it('refuses tokens above 8 KiB (bearer or cookie, up to the HTTP header limit) before parsing', async () => {
    await withoutClaims(() =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 8193, max: 14_000 }),
          fc.constantFrom('random', 'signed'),
          fc.constantFrom('bearer', 'cookie'),
          async (length, kind, via) => {
            const token =
              kind === 'signed'
                ? signRaw(
                    '{"alg":"HS256","kid":"key-1"}',
                    `{"iat":${NOW_S},"exp":${NOW_S + 300},"pad":"${'p'.repeat(Math.floor(length * 0.75))}"}`,
                  )
                : 'eyJ'.padEnd(length, 'A');
            expect(token.length).toBeGreaterThan(8192);
            expect(token.length).toBeLessThan(15_000);
            const res =
              via === 'bearer'
                ? await rawPost(`${target.url}/kid`, { authorization: `Bearer ${token}` })
                : await rawPost(`${target.url}/cookie`, { cookie: `${COOKIE}=${token}` });
            expect(expectRefusal(res).detail).toBe('The token is longer than 8192 characters');
          },
        ),
        { numRuns: 20 },
      ),
    );
  });

  it('passes a valid token once; every replay, in any legal spelling, on any route, by header or cookie, is 401 ERR_JWT_ONCE_REUSED', async () => {
    const bearer = fc.constantFrom(
      (t: string) => `Bearer ${t}`,
      (t: string) => `bearer ${t}`,
      (t: string) => `BEARER ${t}`,
      (t: string) => `bEaReR    ${t}`,
      (t: string) => `Bearer ${t}   `,
      (t: string) => `Bearer \t${t}`,
    );
    const cookie = fc.constantFrom(
      (t: string) => `${COOKIE}=${t}`,
      (t: string) => `${COOKIE}="${t}"`,
      (t: string) => `theme=dark; ${COOKIE}=${t}`,
      (t: string) => ` ${COOKIE} = ${t} `,
    );
    type Send = { path: string; headers: (t: string) => Record<string, string> };
    const send: fc.Arbitrary<Send> = fc.oneof(
      fc
        .tuple(fc.constantFrom('/x', '/kid', '/cookie'), bearer)
        .map(([path, spell]) => ({ path, headers: (t: string) => ({ authorization: spell(t) }) })),
      cookie.map((spell) => ({ path: '/cookie', headers: (t: string) => ({ cookie: spell(t) }) })),
    );
    await fc.assert(
      fc.asyncProperty(send, fc.array(send, { minLength: 1, maxLength: 4 }), async (first, replays) => {
        const token = freshToken();
        const before = target.store.claims;
        const pass = await rawPost(`${target.url}${first.path}`, first.headers(token));
        expect(pass.status).toBe(200);
        expect(JSON.parse(pass.body)).toEqual({ sub: 'alice' });
        for (const replay of replays) {
          const res = await rawPost(`${target.url}${replay.path}`, replay.headers(token));
          expect(res.status).toBe(401);
          expectRefusal(res, /^ERR_JWT_ONCE_REUSED$/);
        }
        expect(target.store.claims - before).toBe(1 + replays.length); // each replay reached the store, and was refused there
      }),
      { numRuns: 40 },
    );
    expect(target.serverErrors()).toBe(0);
  });

  it('stays up: a fresh valid token still passes on every route after all of the above', async () => {
    for (const path of ['/x', '/kid', '/cookie']) {
      const res = await rawPost(`${target.url}${path}`, { authorization: `Bearer ${freshToken()}` });
      expect(res.status).toBe(200);
    }
    expect((await rawPost(`${target.url}/cookie`, { cookie: `${COOKIE}=${freshToken()}` })).status).toBe(200);
    expect(target.serverErrors()).toBe(0);
  });
});

describe('Hono jwtOnce in memory (app.request) under hostile input', () => {
  beforeAll(() => {
    const store = new SpyStore();
    const state = { app: undefined as unknown as Hono<HonoEnv>, store, errors: 0 };
    state.app = honoApp(store, () => state.errors++);
    honoInMemory = state;
  });

  async function post(path: string, headers: Record<string, string>): Promise<RawResponse> {
    const res = await honoInMemory!.app.request(path, { method: 'POST', headers });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  it('answers every hostile token, by header or cookie, with a coded refusal, never 5xx, never a claim', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequests, fc.boolean(), async ([token, path], viaCookie) => {
        // A bad-kid token is only hostile on /kid, so it never goes by cookie (to /cookie).
        const cookie = viaCookie && path !== '/kid';
        expectRefusal(
          await post(cookie ? '/cookie' : path, cookie ? { cookie: `${COOKIE}=${token}` } : { authorization: `Bearer ${token}` }),
        );
      }),
      { numRuns: 200 },
    );
    expect(honoInMemory!.store.claims).toBe(0);
    expect(honoInMemory!.errors).toBe(0);
  });

  it('still passes a fresh token once and refuses its replay as reused', async () => {
    const token = freshToken();
    expect((await post('/x', { authorization: `bearer ${token}` })).status).toBe(200);
    expectRefusal(await post('/cookie', { cookie: `${COOKIE}=${token}` }), /^ERR_JWT_ONCE_REUSED$/);
    expect(honoInMemory!.store.claims).toBe(2);
  });
});
