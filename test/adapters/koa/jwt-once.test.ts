import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import koaJwt from 'koa-jwt';
import { jwtOnce, routeScope, type KoaJwtOnceOptions } from '../../../adapters/koa/index.js';
import { claimToken, MemoryStore, type ClaimEvent, type ClaimStore } from '../../../src/index.js';
import { bodyOf, expectReusedAnswer, listen, withBearer } from '../../helpers/http.js';
import { HS_SECRET, hsToken, NOW, NOW_S } from '../../helpers/tokens.js';

async function serve(configure: (app: Koa, router: Router) => void) {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  configure(app, router);
  app.use(router.routes()).use(router.allowedMethods());
  return listen(createServer(app.callback()));
}

function opts(extra: Partial<KoaJwtOnceOptions> = {}): KoaJwtOnceOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

const ok = (ctx: Context) => {
  ctx.body = { sub: ctx.state.user?.sub ?? null, key: ctx.state.jwtOnce?.key };
};

describe('Koa jwtOnce', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  afterEach(async () => server?.close());

  it('passes the first use with ctx.state.user, refuses the replay with a challenge and a problem body', async () => {
    server = await serve((_app, router) => router.post('/login', jwtOnce(opts()), ok));
    const token = hsToken({ sub: 'alice' });
    const first = await withBearer(`${server.url}/login`, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'alice', key: expect.stringMatching(/^sha256:/) });

    const replay = await withBearer(`${server.url}/login`, token);
    await expectReusedAnswer(replay);
  });

  it('works as app.use() middleware', async () => {
    server = await serve((app) => app.use(jwtOnce(opts())).use(ok));
    const token = hsToken({ sub: 'bob' });
    expect(await (await withBearer(`${server.url}/any`, token)).json()).toMatchObject({ sub: 'bob' });
    expect((await withBearer(`${server.url}/any`, token)).status).toBe(401);
  });

  it('answers a request without a token with a bare Bearer challenge', async () => {
    server = await serve((_app, router) => router.post('/x', jwtOnce(opts()), ok));
    const res = await withBearer(`${server.url}/x`, undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ code: 'ERR_JWT_ONCE_MISSING' });
  });

  it.each([
    ['invalid', () => hsToken({}, 300, 'a-different-secret-0123456789abcdef'), 'ERR_JWT_ONCE_INVALID'],
    ['expired', () => hsToken({}, -10), 'ERR_JWT_ONCE_EXPIRED'],
  ])('answers an %s token with 401 and its code', async (_name, make, code) => {
    server = await serve((_app, router) => router.post('/x', jwtOnce(opts()), ok));
    const res = await withBearer(`${server.url}/x`, make());
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
    server = await serve((_app, router) =>
      router.post('/x', jwtOnce(opts({ store: down })), () => {
        reached = true;
      }),
    );
    const res = await withBearer(`${server.url}/x`, hsToken());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_STORE');
    expect(reached).toBe(false);
  });

  it('leaves the token usable when validate refuses it, and passes ctx to validate', async () => {
    let allow = false;
    let seen: unknown;
    const validate = (_payload: unknown, { request }: { request?: unknown }) => {
      seen = request;
      return allow;
    };
    server = await serve((_app, router) => router.post('/x', jwtOnce(opts({ validate })), ok));
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
    expect((seen as Context).path).toBe('/x');
    allow = true;
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
  });

  it('partitions by route with routeScope: once per route', async () => {
    const store = new MemoryStore();
    server = await serve((_app, router) =>
      router.post('/a', jwtOnce(opts({ scope: routeScope, store })), ok).post('/b', jwtOnce(opts({ scope: routeScope, store })), ok),
    );
    const token = hsToken();
    expect((await withBearer(`${server.url}/a`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/b`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/a`, token)).status).toBe(401);
  });

  it('routeScope in router.use() sees a middleware layer, not a route: a ConfigError (500), the route never runs', async () => {
    let reached = false;
    server = await serve((_app, router) => {
      router.use(jwtOnce(opts({ scope: routeScope })));
      router.post('/a', () => {
        reached = true;
      });
    });
    expect((await withBearer(`${server.url}/a`, hsToken())).status).toBe(500);
    expect(reached).toBe(false);
  });

  it('releases the claim before answering when downstream throws or answers 5xx, with releaseOnError', async () => {
    let mode: 'throw' | '502' | 'ok' = 'throw';
    server = await serve((_app, router) =>
      router.post('/x', jwtOnce(opts({ releaseOnError: true })), (ctx) => {
        if (mode === 'throw') throw new Error('downstream failure');
        if (mode === '502') {
          ctx.status = 502;
          ctx.body = 'bad gateway';
          return;
        }
        ok(ctx);
      }),
    );
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(500);
    mode = '502';
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(502);
    mode = 'ok';
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
  });

  it('keeps the claim when the handler fails and releaseOnError is off', async () => {
    server = await serve((_app, router) =>
      router.post('/x', jwtOnce(opts()), () => {
        throw new Error('boom');
      }),
    );
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(500);
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
  });

  it.each([false, true])('lets a downstream error keep its own status (releaseOnError %s)', async (releaseOnError) => {
    server = await serve((_app, router) =>
      router.post('/x', jwtOnce(opts({ releaseOnError })), (ctx) => ctx.throw(418, 'teapot', { expose: true })),
    );
    const res = await withBearer(`${server.url}/x`, hsToken());
    expect(res.status).toBe(418);
    expect(await res.text()).toBe('teapot');
  });

  it('reads the token from a cookie, and from getToken', async () => {
    server = await serve((_app, router) => {
      router.post('/cookie', jwtOnce(opts({ cookie: 'magic' })), ok);
      router.post('/query', jwtOnce(opts({ getToken: (ctx) => ctx.query.t as string | undefined })), ok);
    });
    const token = hsToken({ sub: 'cookie-user' });
    const res = await fetch(`${server.url}/cookie`, { method: 'POST', headers: { cookie: `theme=dark; magic=${token}` } });
    expect(await res.json()).toMatchObject({ sub: 'cookie-user' });
    const again = await fetch(`${server.url}/cookie`, { method: 'POST', headers: { cookie: `magic=${token}` } });
    expect(again.status).toBe(401);
    const viaQuery = await fetch(`${server.url}/query?t=${hsToken({ sub: 'q' })}`, { method: 'POST' });
    expect(await viaQuery.json()).toMatchObject({ sub: 'q' });
  });

  it('hands refusals to onError when given', async () => {
    server = await serve((_app, router) =>
      router.post(
        '/x',
        jwtOnce(
          opts({
            onError: (err, ctx) => {
              ctx.status = 403;
              ctx.body = { mine: err.code };
            },
          }),
        ),
        ok,
      ),
    );
    const res = await withBearer(`${server.url}/x`, undefined);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ mine: 'ERR_JWT_ONCE_MISSING' });
  });

  it('passes the Koa ctx to onClaim and onReplay', async () => {
    const events: Array<[string, ClaimEvent]> = [];
    const hooks = { onClaim: (e: ClaimEvent) => events.push(['claim', e]), onReplay: (e: ClaimEvent) => events.push(['replay', e]) };
    server = await serve((_app, router) => router.post('/x', jwtOnce(opts(hooks)), ok));
    const token = hsToken({ sub: 'eve', jti: 'j-1' });
    await withBearer(`${server.url}/x`, token);
    await withBearer(`${server.url}/x`, token);
    expect(events.map(([kind, e]) => [kind, e.sub, e.jti, (e.request as Context).path])).toEqual([
      ['claim', 'eve', 'j-1', '/x'],
      ['replay', 'eve', 'j-1', '/x'],
    ]);
  });

  describe('behind koa-jwt (verifiedPayload)', () => {
    const verified = () => jwtOnce({ store: new MemoryStore(), now: () => NOW, verifiedPayload: (ctx) => ctx.state.user });
    const verifier = () => koaJwt({ secret: HS_SECRET, algorithms: ['HS256'], clockTimestamp: NOW_S } as koaJwt.Options);

    it('claims what koa-jwt verified, once, under the same key claimToken uses', async () => {
      server = await serve((_app, router) => router.post('/x', verifier(), verified(), ok));
      const token = hsToken({ sub: 'carol' });
      const first = await withBearer(`${server.url}/x`, token);
      expect(first.status).toBe(200);
      const { key } = await claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW });
      expect(await first.json()).toEqual({ sub: 'carol', key });
      const replay = await withBearer(`${server.url}/x`, token);
      expect(replay.status).toBe(401);
      expect((await bodyOf(replay)).code).toBe('ERR_JWT_ONCE_REUSED');
    });

    it('fails closed (401) when no verifier put a payload on the request', async () => {
      server = await serve((_app, router) => router.post('/x', verified(), ok));
      const res = await withBearer(`${server.url}/x`, hsToken());
      expect(res.status).toBe(401);
      expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_INVALID');
    });

    it('refuses a token that is not the one the verifier accepted', async () => {
      const other = hsToken({ sub: 'mallory' }, 300, 'a-different-secret-0123456789abcdef');
      server = await serve((_app, router) =>
        router.post(
          '/x',
          verifier(),
          jwtOnce({ store: new MemoryStore(), now: () => NOW, verifiedPayload: (ctx) => ctx.state.user, getToken: () => other }),
          ok,
        ),
      );
      const res = await withBearer(`${server.url}/x`, hsToken());
      expect(res.status).toBe(401);
      expect((await bodyOf(res)).detail).toMatch(/not the token the verifier accepted/);
    });

    it('refuses verification options next to verifiedPayload', () => {
      expect(() => jwtOnce({ secret: HS_SECRET, algorithms: ['HS256'], verifiedPayload: () => undefined })).toThrow(/secret.*verifier/);
    });
  });

  it('throws at creation on misconfiguration', () => {
    // @ts-expect-error -- `algorithms` is required with a `secret`; this checks the run-time refusal too
    expect(() => jwtOnce({ secret: HS_SECRET })).toThrow(/algorithms.*required/);
    expect(() => jwtOnce(opts({ cookie: '' }))).toThrow(/cookie/);
  });
});
