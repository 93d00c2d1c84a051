import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { jwt as honoJwt } from 'hono/jwt';
import jwt from 'jsonwebtoken';
import { jwtOnce, routeScope, type HonoJwtOnceOptions, type JwtOnceVariables } from '../../../adapters/hono/index.js';
import { claimToken, MemoryStore, type ClaimEvent, type ClaimStore } from '../../../src/index.js';
import { bodyOf, expectReusedAnswer, listen, withBearer } from '../../helpers/http.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

function opts(extra: Partial<HonoJwtOnceOptions> = {}): HonoJwtOnceOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

type Env = { Variables: JwtOnceVariables };
const ok = (c: Context<Env>) => c.json({ sub: c.get('jwtPayload').sub ?? null, key: c.get('jwtOnce').key });

function app(): Hono<Env> {
  // Hono's default error handler logs; answer the same without the noise.
  return new Hono<Env>().onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text('Internal Server Error', 500)));
}

/** POST to an app in memory with an optional bearer token. */
function post(target: Hono<Env>, path: string, token: string | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    target.request(path, { method: 'POST', headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` } }),
  );
}

describe('Hono jwtOnce', () => {
  it('passes the first use with c.get("jwtPayload"), refuses the replay with a challenge and a problem body', async () => {
    const a = app().post('/login', jwtOnce(opts()), ok);
    const token = hsToken({ sub: 'alice' });
    const first = await post(a, '/login', token);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'alice', key: expect.stringMatching(/^sha256:/) });

    const replay = await post(a, '/login', token);
    await expectReusedAnswer(replay);
  });

  it('works over real HTTP on @hono/node-server', async () => {
    const a = app();
    a.use(jwtOnce(opts()));
    a.post('/x', ok);
    const server = await listen(createAdaptorServer({ fetch: a.fetch }) as Server);
    try {
      const token = hsToken({ sub: 'bob' });
      const first = await withBearer(`${server.url}/x`, token);
      expect(await first.json()).toMatchObject({ sub: 'bob' });
      const replay = await withBearer(`${server.url}/x`, token);
      expect(replay.status).toBe(401);
      expect(replay.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect((await bodyOf(replay)).code).toBe('ERR_JWT_ONCE_REUSED');
      const missing = await withBearer(`${server.url}/x`, undefined);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    } finally {
      await server.close();
    }
  });

  it('answers a request without a token with a bare Bearer challenge', async () => {
    const res = await post(app().post('/x', jwtOnce(opts()), ok), '/x', undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ code: 'ERR_JWT_ONCE_MISSING' });
  });

  it.each([
    ['invalid', () => hsToken({}, 300, 'a-different-secret-0123456789abcdef'), 'ERR_JWT_ONCE_INVALID'],
    ['expired', () => hsToken({}, -10), 'ERR_JWT_ONCE_EXPIRED'],
  ])('answers an %s token with 401 and its code', async (_name, make, code) => {
    const res = await post(app().post('/x', jwtOnce(opts()), ok), '/x', make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="/);
    expect((await bodyOf(res)).code).toBe(code);
  });

  it('answers 503 with Retry-After when the store is down, and lets nothing through', async () => {
    const down: ClaimStore = {
      claim: async () => {
        throw new Error('connection refused');
      },
      release: () => undefined,
    };
    let reached = false;
    const a = app().post('/x', jwtOnce(opts({ store: down })), (c) => {
      reached = true;
      return c.text('no');
    });
    const res = await post(a, '/x', hsToken());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_STORE');
    expect(reached).toBe(false);
  });

  it('leaves the token usable when validate refuses it', async () => {
    let allow = false;
    const a = app().post('/x', jwtOnce(opts({ validate: () => allow })), ok);
    const token = hsToken();
    expect((await post(a, '/x', token)).status).toBe(401);
    allow = true;
    expect((await post(a, '/x', token)).status).toBe(200);
    expect((await post(a, '/x', token)).status).toBe(401);
  });

  it('partitions by route with routeScope: once per route', async () => {
    const store = new MemoryStore();
    const a = app();
    a.post('/a', jwtOnce(opts({ scope: routeScope, store })), ok).post('/b', jwtOnce(opts({ scope: routeScope, store })), ok);
    const token = hsToken();
    expect((await post(a, '/a', token)).status).toBe(200);
    expect((await post(a, '/b', token)).status).toBe(200);
    expect((await post(a, '/a', token)).status).toBe(401);
  });

  it('releases the claim when downstream throws or answers 5xx, with releaseOnError', async () => {
    let mode: 'throw' | '503' | 'ok' = 'throw';
    const a = app().post('/x', jwtOnce(opts({ releaseOnError: true })), (c) => {
      if (mode === 'throw') throw new Error('downstream failure');
      if (mode === '503') return c.text('busy', 503);
      return ok(c);
    });
    const token = hsToken();
    expect((await post(a, '/x', token)).status).toBe(500);
    mode = '503';
    expect((await post(a, '/x', token)).status).toBe(503);
    mode = 'ok';
    expect((await post(a, '/x', token)).status).toBe(200);
    expect((await post(a, '/x', token)).status).toBe(401);
  });

  it('keeps the claim when the handler fails and releaseOnError is off', async () => {
    const a = app().post('/x', jwtOnce(opts()), () => {
      throw new Error('boom');
    });
    const token = hsToken();
    expect((await post(a, '/x', token)).status).toBe(500);
    expect((await post(a, '/x', token)).status).toBe(401);
  });

  it('lets a downstream error keep its own status', async () => {
    const a = app().post('/x', jwtOnce(opts({ releaseOnError: true })), () => {
      throw new HTTPException(418, { message: 'teapot' });
    });
    const res = await post(a, '/x', hsToken());
    expect(res.status).toBe(418);
    expect(await res.text()).toBe('teapot');
  });

  it('reads the token from a cookie, and from getToken', async () => {
    const a = app()
      .post('/cookie', jwtOnce(opts({ cookie: 'magic' })), ok)
      .post('/query', jwtOnce(opts({ getToken: (c) => c.req.query('t') })), ok);
    const token = hsToken({ sub: 'cookie-user' });
    expect(await (await post(a, '/cookie', undefined, { cookie: `theme=dark; magic=${token}` })).json()).toMatchObject({
      sub: 'cookie-user',
    });
    expect((await post(a, '/cookie', undefined, { cookie: `magic=${token}` })).status).toBe(401);
    expect(await (await post(a, `/query?t=${hsToken({ sub: 'q' })}`, undefined)).json()).toMatchObject({ sub: 'q' });
  });

  it('hands refusals to onError when given', async () => {
    const a = app().post('/x', jwtOnce(opts({ onError: (err, c) => c.json({ mine: err.code }, 403) })), ok);
    const res = await post(a, '/x', undefined);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ mine: 'ERR_JWT_ONCE_MISSING' });
  });

  it('passes the Hono context to onClaim and onReplay', async () => {
    const events: Array<[string, ClaimEvent]> = [];
    const hooks = { onClaim: (e: ClaimEvent) => events.push(['claim', e]), onReplay: (e: ClaimEvent) => events.push(['replay', e]) };
    const a = app().post('/x', jwtOnce(opts(hooks)), ok);
    const token = hsToken({ sub: 'eve', jti: 'j-1' });
    await post(a, '/x', token);
    await post(a, '/x', token);
    expect(events.map(([kind, e]) => [kind, e.sub, e.jti, (e.request as Context).req.path])).toEqual([
      ['claim', 'eve', 'j-1', '/x'],
      ['replay', 'eve', 'j-1', '/x'],
    ]);
  });

  describe('behind hono/jwt (verifiedPayload)', () => {
    // hono/jwt reads the wall clock, so these tokens are live ones.
    const liveToken = (claims: Record<string, unknown> = {}) =>
      jwt.sign({ n: Math.random(), ...claims }, HS_SECRET, { algorithm: 'HS256', expiresIn: 300 });
    const verified = () => jwtOnce({ store: new MemoryStore(), verifiedPayload: (c) => c.get('jwtPayload') });

    it('claims what hono/jwt verified, once, under the same key claimToken uses', async () => {
      const a = app().post('/x', honoJwt({ secret: HS_SECRET, alg: 'HS256' }), verified(), ok);
      const token = liveToken({ sub: 'carol' });
      const first = await post(a, '/x', token);
      expect(first.status).toBe(200);
      const { key } = await claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore() });
      expect(await first.json()).toEqual({ sub: 'carol', key });
      const replay = await post(a, '/x', token);
      expect(replay.status).toBe(401);
      expect((await bodyOf(replay)).code).toBe('ERR_JWT_ONCE_REUSED');
    });

    it('fails closed (401) when no verifier put a payload on the request', async () => {
      const res = await post(app().post('/x', verified(), ok), '/x', liveToken());
      expect(res.status).toBe(401);
      expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_INVALID');
    });
  });

  it('throws at creation on misconfiguration', () => {
    // @ts-expect-error -- `algorithms` is required with a `secret`; this checks the run-time refusal too
    expect(() => jwtOnce({ secret: HS_SECRET })).toThrow(/algorithms.*required/);
    expect(() => jwtOnce(opts({ scope: 42 as unknown as string }))).toThrow(/scope/);
  });
});
