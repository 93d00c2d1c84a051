import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createWebGuard, withJwtOnce, type WebJwtOnceOptions } from '../../../adapters/web/index.js';
import { claimToken, MemoryStore, type Claim, type ClaimEvent, type ClaimStore } from '../../../src/index.js';
import { bodyOf, expectReusedAnswer, listen, withBearer } from '../../helpers/http.js';
import { failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

failOnUnhandledRejections();

function opts(extra: Partial<WebJwtOnceOptions> = {}): WebJwtOnceOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

const ok = (_request: Request, claim: Claim) => Response.json({ sub: claim.payload.sub ?? null, key: claim.key });

/** A POST to the handler in memory, with an optional bearer token. */
function post(token: string | undefined, headers: Record<string, string> = {}, path = '/x'): Request {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` },
  });
}

describe('withJwtOnce (called directly)', () => {
  it('passes the first use with the claim, refuses the replay with a challenge and a problem body', async () => {
    const handler = withJwtOnce(ok, opts());
    const token = hsToken({ sub: 'alice' });
    const first = await handler(post(token));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'alice', key: expect.stringMatching(/^sha256:/) });
    await expectReusedAnswer(await handler(post(token)));
  });

  it('passes extra arguments through (Deno info, Workers env/ctx, Next context)', async () => {
    const handler = withJwtOnce(
      (_req, claim, env: { region: string }, ctx: { id: number }) =>
        Response.json({ sub: claim.payload.sub, region: env.region, id: ctx.id }),
      opts(),
    );
    const res = await handler(post(hsToken({ sub: 'w' })), { region: 'eu' }, { id: 7 });
    expect(await res.json()).toEqual({ sub: 'w', region: 'eu', id: 7 });
  });

  it('answers missing, malformed, invalid and expired tokens like the other adapters', async () => {
    const handler = withJwtOnce(ok, opts());
    const missing = await handler(post(undefined));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: expect.any(String),
      code: 'ERR_JWT_ONCE_MISSING',
    });
    const malformed = await handler(post(undefined, { authorization: 'Bearer a, Bearer b' }));
    expect(malformed.status).toBe(400);
    expect((await bodyOf(malformed)).code).toBe('ERR_JWT_ONCE_MALFORMED');
    const invalid = await handler(post(hsToken({}, 300, 'a-different-secret-0123456789abcdef')));
    expect(invalid.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);
    expect((await bodyOf(invalid)).code).toBe('ERR_JWT_ONCE_INVALID');
    expect(await bodyOf(await handler(post(hsToken({}, -10))))).toMatchObject({ status: 401, code: 'ERR_JWT_ONCE_EXPIRED' });
  });

  it('answers 503 with Retry-After when the store is down, and never calls the handler', async () => {
    const down: ClaimStore = {
      claim: async () => {
        throw new Error('connection refused');
      },
      release: () => undefined,
    };
    let reached = false;
    const handler = withJwtOnce(
      () => {
        reached = true;
        return new Response('no');
      },
      opts({ store: down }),
    );
    const res = await handler(post(hsToken()));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_STORE');
    expect(reached).toBe(false);
  });

  it('reads the token from a named cookie, from getToken, and partitions by a per-request scope', async () => {
    const cookie = withJwtOnce(ok, opts({ cookie: 'magic' }));
    const token = hsToken({ sub: 'cookie-user' });
    expect(await (await cookie(post(undefined, { cookie: `theme=dark; magic=${token}` }))).json()).toMatchObject({ sub: 'cookie-user' });
    expect((await cookie(post(undefined, { cookie: `magic=${token}` }))).status).toBe(401);

    const query = withJwtOnce(ok, opts({ getToken: (r) => new URL(r.url).searchParams.get('t') }));
    expect(await (await query(post(undefined, {}, `/q?t=${hsToken({ sub: 'q' })}`))).json()).toMatchObject({ sub: 'q' });

    const scoped = withJwtOnce(ok, opts({ scope: (r) => new URL(r.url).pathname }));
    const shared = hsToken();
    expect((await scoped(post(shared, {}, '/a'))).status).toBe(200);
    expect((await scoped(post(shared, {}, '/b'))).status).toBe(200);
    expect((await scoped(post(shared, {}, '/a'))).status).toBe(401);
  });

  it('releases the claim when the handler throws (rethrown) or answers 5xx, with releaseOnError', async () => {
    let mode: 'throw' | '503' | 'ok' = 'throw';
    const handler = withJwtOnce(
      (req, claim) => {
        if (mode === 'throw') throw new Error('downstream failure');
        if (mode === '503') return new Response('busy', { status: 503 });
        return ok(req, claim);
      },
      opts({ releaseOnError: true }),
    );
    const token = hsToken();
    await expect(handler(post(token))).rejects.toThrow('downstream failure');
    mode = '503';
    expect((await handler(post(token))).status).toBe(503);
    mode = 'ok';
    expect((await handler(post(token))).status).toBe(200);
    expect((await handler(post(token))).status).toBe(401);
  });

  it('keeps the claim when the handler fails and releaseOnError is off', async () => {
    const handler = withJwtOnce(() => new Response('busy', { status: 503 }), opts());
    const token = hsToken();
    expect((await handler(post(token))).status).toBe(503);
    expect((await handler(post(token))).status).toBe(401);
  });

  it('hands refusals to onError when given', async () => {
    const handler = withJwtOnce(
      ok,
      opts({ onError: async (err, request) => Response.json({ mine: err.code, path: new URL(request.url).pathname }, { status: 403 }) }),
    );
    const res = await handler(post(undefined));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ mine: 'ERR_JWT_ONCE_MISSING', path: '/x' });
  });

  it('passes the Request to onClaim and onReplay', async () => {
    const events: Array<[string, string | undefined, string]> = [];
    const record = (kind: string) => (e: ClaimEvent) => events.push([kind, e.sub, (e.request as Request).method]);
    const handler = withJwtOnce(ok, opts({ onClaim: record('claim'), onReplay: record('replay') }));
    const token = hsToken({ sub: 'eve' });
    await handler(post(token));
    await handler(post(token));
    expect(events).toEqual([
      ['claim', 'eve', 'POST'],
      ['replay', 'eve', 'POST'],
    ]);
  });

  it('throws at creation on misconfiguration', () => {
    // @ts-expect-error -- `algorithms` is required with a `secret`; this checks the run-time refusal too
    expect(() => withJwtOnce(ok, { secret: HS_SECRET })).toThrow(/algorithms.*required/);
    expect(() => withJwtOnce('nope' as unknown as typeof ok, opts())).toThrow(expect.objectContaining({ code: 'ERR_JWT_ONCE_CONFIG' }));
    expect(() => createWebGuard(opts({ onError: 'log' as unknown as WebJwtOnceOptions['onError'] }))).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_ONCE_CONFIG' }),
    );
  });
});

describe('createWebGuard', () => {
  it('gives the claim, then the refusal as a ready Response, under the key claimToken uses', async () => {
    const guard = createWebGuard(opts());
    const token = hsToken({ sub: 'g' });
    const first = await guard(post(token));
    if (!first.ok) throw new Error('expected the first use to pass');
    const { key } = await claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW });
    expect(first.claim.key).toBe(key);
    const replay = await guard(post(token));
    if (replay.ok) throw new Error('expected the replay to be refused');
    await expectReusedAnswer(replay.response);
  });

  it('is created where there is no `process` (Workers without nodejs_compat): no environment, not a ReferenceError', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
    let guard: ReturnType<typeof createWebGuard>;
    try {
      // Only for the synchronous creation: jest itself needs `process` once we await.
      Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
      expect(() => createWebGuard({})).toThrow(
        expect.objectContaining({ code: 'ERR_JWT_ONCE_CONFIG', message: expect.stringMatching(/JWT_ONCE_SECRET/) }),
      );
      guard = createWebGuard(opts());
    } finally {
      Object.defineProperty(globalThis, 'process', saved);
    }
    expect((await guard(post(hsToken()))).ok).toBe(true);
  });

  it('rejects with errors that are not refusals (a getToken bug)', async () => {
    const guard = createWebGuard(
      opts({
        getToken: () => {
          throw new TypeError('bug');
        },
      }),
    );
    await expect(guard(post(undefined))).rejects.toThrow('bug');
  });
});

describe('withJwtOnce over real HTTP (@hono/node-server)', () => {
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 200 then 401, and lets exactly one of 1,000 concurrent requests with one token through', async () => {
    server = await listen(createAdaptorServer({ fetch: withJwtOnce(ok, opts()) }) as Server);
    const token = hsToken({ sub: 'http' });
    const first = await withBearer(`${server.url}/x`, token);
    expect(await first.json()).toMatchObject({ sub: 'http' });
    await expectReusedAnswer(await withBearer(`${server.url}/x`, token));

    const raced = hsToken();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, () =>
        withBearer(`${server!.url}/pay`, raced).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(999);
  });

  it('reads a cookie and releases on a 5xx over HTTP', async () => {
    let fail = true;
    const handler = withJwtOnce(
      (req, claim) => (fail ? new Response('down', { status: 502 }) : ok(req, claim)),
      opts({ cookie: 'magic', releaseOnError: true }),
    );
    server = await listen(createAdaptorServer({ fetch: handler }) as Server);
    const token = hsToken({ sub: 'c' });
    const send = () => fetch(`${server!.url}/x`, { method: 'POST', headers: { cookie: `magic=${token}` } });
    expect((await send()).status).toBe(502);
    fail = false;
    expect(await (await send()).json()).toMatchObject({ sub: 'c' });
    expect((await send()).status).toBe(401);
  });
});
