// What `releaseOnError` promises (README options table, GuardOptions JSDoc):
// the claim is released when the handler THROWS (whatever status the error is
// answered with) or ANSWERS 5xx, and only then. A 4xx the handler answers is a
// verdict on the request, not a failure: the token stays spent (issue 21.4).
// Koa and Hono see a throw differently: Koa through `await next()` rejecting,
// Hono through `c.error` (its compose hands the error to app.onError, and
// `await next()` resolves), except for a thrown non-Error, which Hono does not
// hand to app.onError and which rejects `await next()` (issue 22.4).
import { createServer, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import Koa from 'koa';
import { jwtOnce as honoJwtOnce, type JwtOnceVariables } from '../../adapters/hono/index.js';
import { jwtOnce as koaJwtOnce } from '../../adapters/koa/index.js';
import { withJwtOnce } from '../../adapters/web/index.js';
import { MemoryStore } from '../../src/index.js';
import { expectReusedAnswer, listen, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const SECRET = 'jwt-once releaseOnError tests: an HMAC secret of well over sixty-four bytes, never used elsewhere';

/** An error the app's own error handling answers 422: a plain `Error`, no status of its own. */
class ValidationError extends Error {}

/** The handler's first call fails this way; later calls answer 200. */
type Failure =
  | { kind: 'answer'; status: number }
  | { kind: 'throw-error' }
  | { kind: 'throw-validation' }
  | { kind: 'throw-http'; status: number }
  | { kind: 'throw-non-error' };

interface Case {
  name: string;
  failure: Failure;
  /** The status the client gets for the failing call. */
  status: number;
  /** Whether releaseOnError must release the claim. */
  released: boolean;
}

const options = (store: MemoryStore) => ({ secret: SECRET, algorithms: ['HS256' as const], store, now: () => NOW, releaseOnError: true });

/** Presents one token three times; asserts the failing answer, then a second pass (released) or a replay refusal (kept). */
async function presentThrice(send: (token: string) => Promise<Response>, reached: () => number, { status, released }: Case): Promise<void> {
  const token = hsToken({ sub: 'alice' }, 300, SECRET);
  const first = await send(token);
  await first.arrayBuffer();
  expect(first.status).toBe(status);
  expect(reached()).toBe(1);

  const second = await send(token);
  if (released) {
    // Released: the same token reaches the handler again, and is spent by that success.
    expect(second.status).toBe(200);
    expect(reached()).toBe(2);
    await second.arrayBuffer();
    await expectReusedAnswer(await send(token));
    expect(reached()).toBe(2);
  } else {
    await expectReusedAnswer(second);
    expect(reached()).toBe(1);
  }
}

/** The handler answers `status` (no throw). */
function answered(status: number, released: boolean): Case {
  return { name: `answers ${status}`, failure: { kind: 'answer', status }, status, released };
}

describe('Web withJwtOnce, releaseOnError: a 4xx answer keeps the token spent, a 5xx releases it (21.4)', () => {
  const cases: Case[] = [
    ...[400, 403, 404, 409, 422, 499].map((status) => answered(status, false)),
    ...[500, 503].map((status) => answered(status, true)),
  ];
  const store = new MemoryStore();
  afterAll(() => store.close());

  it.each(cases)('the handler $name: released $released', async (c) => {
    let calls = 0;
    const handler = withJwtOnce(() => {
      calls++;
      if (calls === 1 && c.failure.kind === 'answer') return new Response('no', { status: c.failure.status });
      return Response.json({ ok: true });
    }, options(store));
    const send = (token: string) =>
      handler(new Request('http://localhost/confirm', { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
    await presentThrice(send, () => calls, c);
  });
});

/** The failures Koa and Hono share: each thrown one releases, a 4xx answered does not, a 5xx answered does. */
const SHARED: Case[] = [
  { name: 'throws an Error, answered 500 by the error handling', failure: { kind: 'throw-error' }, status: 500, released: true },
  { name: 'throws a 409 HTTP error, answered 409', failure: { kind: 'throw-http', status: 409 }, status: 409, released: true },
  { name: 'throws a plain Error the app answers 422', failure: { kind: 'throw-validation' }, status: 422, released: true },
  { name: 'answers 409 without throwing', failure: { kind: 'answer', status: 409 }, status: 409, released: false },
  { name: 'answers 403 without throwing', failure: { kind: 'answer', status: 403 }, status: 403, released: false },
  { name: 'answers 503 without throwing', failure: { kind: 'answer', status: 503 }, status: 503, released: true },
];

const NON_ERROR = { failure: { kind: 'throw-non-error' }, status: 500, released: true } as const;

interface Running {
  url: string;
  close: () => Promise<void>;
  reached: () => number;
}

describe.each<[string, (failure: Failure, store: MemoryStore) => Promise<Running>, Case[]]>([
  [
    'Koa (a downstream throw, answered by an upstream error-handling middleware)',
    startKoa,
    [...SHARED, { name: 'throws a non-Error, answered 500', ...NON_ERROR }],
  ],
  [
    'Hono (a downstream throw, answered by app.onError: seen through c.error)',
    startHono,
    [...SHARED, { name: 'throws a non-Error (Hono does not hand it to app.onError), answered 500', ...NON_ERROR }],
  ],
])('%s, releaseOnError (22.4)', (_name, start, cases) => {
  const store = new MemoryStore();
  let server: Running | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => store.close());

  it.each(cases)('the handler $name: released $released', async (c) => {
    const running = await start(c.failure, store);
    server = running;
    await presentThrice((token) => withBearer(`${running.url}/confirm`, token), running.reached, c);
  });
});

async function startKoa(failure: Failure, store: MemoryStore): Promise<Running> {
  let calls = 0;
  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = err instanceof ValidationError ? 422 : ((err as { status?: number } | null)?.status ?? 500);
      ctx.body = { error: 'failed' };
    }
  });
  const router = new Router();
  router.post('/confirm', koaJwtOnce(options(store)), (ctx) => {
    calls++;
    if (calls === 1) {
      if (failure.kind === 'throw-error') throw new Error('downstream failure');
      if (failure.kind === 'throw-validation') throw new ValidationError('bad input');
      if (failure.kind === 'throw-http') ctx.throw(failure.status, 'conflict');
      if (failure.kind === 'throw-non-error') throw 'downstream failure';
      if (failure.kind === 'answer') {
        ctx.status = failure.status;
        ctx.body = { error: 'refused' };
        return;
      }
    }
    ctx.body = { ok: true };
  });
  app.use(router.routes());
  return { ...(await listen(createServer(app.callback()))), reached: () => calls };
}

async function startHono(failure: Failure, store: MemoryStore): Promise<Running> {
  let calls = 0;
  const app = new Hono<{ Variables: JwtOnceVariables }>().onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    return c.json({ error: 'failed' }, err instanceof ValidationError ? 422 : 500);
  });
  app.post('/confirm', honoJwtOnce(options(store)), (c) => {
    calls++;
    if (calls === 1) {
      if (failure.kind === 'throw-error') throw new Error('downstream failure');
      if (failure.kind === 'throw-validation') throw new ValidationError('bad input');
      if (failure.kind === 'throw-http') throw new HTTPException(failure.status as 409, { message: 'conflict' });
      // Some libraries reject with a string or a plain object: Hono rethrows it past app.onError, its server answers 500.
      if (failure.kind === 'throw-non-error') throw 'downstream failure';
      if (failure.kind === 'answer') return c.json({ error: 'refused' }, failure.status as 409);
    }
    return c.json({ ok: true });
  });
  return { ...(await listen(createAdaptorServer({ fetch: app.fetch }) as Server)), reached: () => calls };
}
