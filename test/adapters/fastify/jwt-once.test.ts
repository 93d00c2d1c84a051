import fastifyJwt from '@fastify/jwt';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import jwt from 'jsonwebtoken';
import { jwtOnce, jwtOncePlugin, type FastifyJwtOnceOptions, type JwtOnceRequest } from '../../../adapters/fastify/index.js';
import { claimToken, MemoryStore, type ClaimEvent, type ClaimStore } from '../../../src/index.js';
import { bodyOf, expectReusedAnswer, withBearer } from '../../helpers/http.js';
import { failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

failOnUnhandledRejections();

function opts(extra: Partial<FastifyJwtOnceOptions> = {}): FastifyJwtOnceOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

const ok = async (request: FastifyRequest) => ({
  sub: (request as JwtOnceRequest).user?.sub ?? null,
  key: request.jwtOnce?.key,
});

let app: FastifyInstance | undefined;
let url = '';
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Builds an app, lets `configure` add plugins and routes, listens on 127.0.0.1 port 0. */
async function serve(configure: (app: FastifyInstance) => unknown): Promise<string> {
  app = Fastify();
  await configure(app);
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return url;
}

const statusOf = async (res: Promise<Response>) => {
  const r = await res;
  await r.arrayBuffer();
  return r.status;
};

describe('Fastify jwtOnce (route hook)', () => {
  it('passes the first use with request.user and request.jwtOnce, refuses the replay with a challenge and a problem body', async () => {
    await serve((a) => a.post('/login', { onRequest: jwtOnce(opts()) }, ok));
    const token = hsToken({ sub: 'alice' });
    const first = await withBearer(`${url}/login`, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'alice', key: expect.stringMatching(/^sha256:/) });
    await expectReusedAnswer(await withBearer(`${url}/login`, token));
  });

  it('lets exactly one of 1,000 concurrent HTTP requests with one token through', async () => {
    await serve((a) => a.post('/pay', { onRequest: jwtOnce(opts()) }, ok));
    const token = hsToken();
    const statuses = await Promise.all(Array.from({ length: 1000 }, () => statusOf(withBearer(`${url}/pay`, token))));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(999);
  });

  it('answers a request without a token with a bare Bearer challenge, and a malformed one with 400', async () => {
    await serve((a) => a.post('/x', { onRequest: jwtOnce(opts({ cookie: 'magic' })) }, ok));
    const missing = await withBearer(`${url}/x`, undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await bodyOf(missing)).code).toBe('ERR_JWT_ONCE_MISSING');
    const valid = hsToken();
    const malformed = await fetch(`${url}/x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${valid}, Bearer x`, cookie: `magic=${valid}` },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
    expect((await bodyOf(malformed)).code).toBe('ERR_JWT_ONCE_MALFORMED');
    // The cookie's token was not consumed by the malformed request.
    expect(await statusOf(fetch(`${url}/x`, { method: 'POST', headers: { cookie: `magic=${valid}` } }))).toBe(200);
  });

  it.each([
    ['invalid', () => hsToken({}, 300, 'a-different-secret-0123456789abcdef'), 'ERR_JWT_ONCE_INVALID'],
    ['expired', () => hsToken({}, -10), 'ERR_JWT_ONCE_EXPIRED'],
  ])('answers an %s token with 401 and its code', async (_name, make, code) => {
    await serve((a) => a.post('/x', { onRequest: jwtOnce(opts()) }, ok));
    const res = await withBearer(`${url}/x`, make());
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
    await serve((a) =>
      a.post('/x', { onRequest: jwtOnce(opts({ store: down })) }, async () => {
        reached = true;
        return 'no';
      }),
    );
    const res = await withBearer(`${url}/x`, hsToken());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_STORE');
    expect(reached).toBe(false);
  });

  it('works as a preHandler, after the body is parsed, and partitions by a per-request scope', async () => {
    await serve((a) => {
      const hook = jwtOnce(opts({ getToken: (r) => (r.body as { token?: string } | undefined)?.token, scope: (r) => r.url }));
      a.post('/a', { preHandler: hook }, ok).post('/b', { preHandler: hook }, ok);
    });
    const token = hsToken({ sub: 'body' });
    const post = (path: string) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(await (await post('/a')).json()).toMatchObject({ sub: 'body' });
    expect(await statusOf(post('/b'))).toBe(200);
    expect(await statusOf(post('/a'))).toBe(401);
  });

  it('reads the token from a cookie', async () => {
    await serve((a) => a.post('/cookie', { onRequest: jwtOnce(opts({ cookie: 'magic' })) }, ok));
    const token = hsToken({ sub: 'cookie-user' });
    const res = await fetch(`${url}/cookie`, { method: 'POST', headers: { cookie: `theme=dark; magic=${token}` } });
    expect(await res.json()).toMatchObject({ sub: 'cookie-user' });
    expect(await statusOf(fetch(`${url}/cookie`, { method: 'POST', headers: { cookie: `magic=${token}` } }))).toBe(401);
  });

  it('keeps the claim when the handler fails and releaseOnError is off; a downstream error keeps its status', async () => {
    await serve((a) => {
      a.post('/boom', { onRequest: jwtOnce(opts()) }, async () => {
        throw new Error('boom');
      });
      a.post('/teapot', { onRequest: jwtOnce(opts()) }, async (_req, reply) => reply.code(418).send({ error: 'teapot' }));
    });
    const token = hsToken();
    expect(await statusOf(withBearer(`${url}/boom`, token))).toBe(500);
    expect(await statusOf(withBearer(`${url}/boom`, token))).toBe(401);
    const teapot = await withBearer(`${url}/teapot`, hsToken());
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ error: 'teapot' });
  });

  it('hands refusals to onError, and what onError throws to the error handler; never to the route handler', async () => {
    let reached = 0;
    await serve((a) => {
      a.setErrorHandler((err, _req, reply) => {
        reply.code(502).send({ handled: (err as Error).message });
      });
      const handler = async () => {
        reached++;
        return 'no';
      };
      a.post(
        '/mine',
        { onRequest: jwtOnce(opts({ onError: (err, _req, reply: FastifyReply) => reply.code(403).send({ mine: err.code }) })) },
        handler,
      );
      a.post(
        '/async',
        {
          onRequest: jwtOnce(
            opts({
              onError: async () => {
                throw new Error('from onError');
              },
            }),
          ),
        },
        handler,
      );
      a.post(
        '/sync',
        {
          onRequest: jwtOnce(
            opts({
              onError: () => {
                throw new Error('sync onError');
              },
            }),
          ),
        },
        handler,
      );
    });
    const mine = await withBearer(`${url}/mine`, undefined);
    expect(mine.status).toBe(403);
    expect(await mine.json()).toEqual({ mine: 'ERR_JWT_ONCE_MISSING' });
    const thrown = await withBearer(`${url}/async`, undefined);
    expect(thrown.status).toBe(502);
    expect(await thrown.json()).toEqual({ handled: 'from onError' });
    expect(await (await withBearer(`${url}/sync`, undefined)).json()).toEqual({ handled: 'sync onError' });
    expect(reached).toBe(0);
  });

  it('passes the Fastify request to onClaim and onReplay', async () => {
    const events: Array<[string, string | undefined, string]> = [];
    const record = (kind: string) => (e: ClaimEvent) => events.push([kind, e.sub, (e.request as FastifyRequest).url]);
    await serve((a) => a.post('/x', { onRequest: jwtOnce(opts({ onClaim: record('claim'), onReplay: record('replay') })) }, ok));
    const token = hsToken({ sub: 'eve' });
    await statusOf(withBearer(`${url}/x`, token));
    await statusOf(withBearer(`${url}/x`, token));
    expect(events).toEqual([
      ['claim', 'eve', '/x'],
      ['replay', 'eve', '/x'],
    ]);
  });

  it('throws at creation on misconfiguration', () => {
    // @ts-expect-error -- `algorithms` is required with a `secret`; this checks the run-time refusal too
    expect(() => jwtOnce({ secret: HS_SECRET })).toThrow(/algorithms.*required/);
    expect(() => jwtOnce(opts({ scope: 42 as unknown as string }))).toThrow(/scope/);
    expect(() => jwtOnce(opts({ onError: 'log' as unknown as FastifyJwtOnceOptions['onError'] }))).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_ONCE_CONFIG', message: expect.stringMatching(/onError/) }),
    );
  });
});

describe('Fastify releaseOnError (onError/onResponse hooks added by the plugin)', () => {
  it('releases the claim when the handler throws or answers 5xx, keeps it on success', async () => {
    let mode: 'throw' | 'throw409' | '503' | 'ok' = 'throw';
    await serve(async (a) => {
      await a.register(jwtOncePlugin, opts());
      a.post('/x', { onRequest: jwtOnce(opts({ releaseOnError: true })) }, async (request, reply) => {
        if (mode === 'throw') throw new Error('downstream failure');
        if (mode === 'throw409') throw Object.assign(new Error('conflict'), { statusCode: 409 });
        if (mode === '503') return reply.code(503).send('busy');
        return ok(request);
      });
    });
    const token = hsToken();
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(500);
    // A thrown error releases whatever its status (Fastify's onError hook saw it), as in Koa and Hono.
    mode = 'throw409';
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(409);
    mode = '503';
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(503);
    mode = 'ok';
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(200);
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(401);
  });

  it('wires a preHandler hook too, and reaches routes of scopes registered after the plugin', async () => {
    let fail = true;
    await serve(async (a) => {
      await a.register(jwtOncePlugin, opts());
      await a.register(async (child) => {
        child.post('/x', { preHandler: [jwtOnce(opts({ releaseOnError: true }))] }, async (request, reply) =>
          fail ? reply.code(500).send('down') : ok(request),
        );
      });
    });
    const token = hsToken();
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(500);
    fail = false;
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(200);
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(401);
  });

  it('refuses (500, ConfigError) before claiming when the plugin did not wire the route', async () => {
    const store = new MemoryStore();
    await serve((a) => {
      a.post('/unwired', { onRequest: jwtOnce(opts({ store, releaseOnError: true })) }, ok);
      a.post('/plain', { onRequest: jwtOnce(opts({ store })) }, ok);
    });
    const token = hsToken();
    const res = await withBearer(`${url}/unwired`, token);
    expect(res.status).toBe(500);
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_CONFIG');
    expect(await statusOf(withBearer(`${url}/plain`, token))).toBe(200);
  });
});

describe('Fastify plugin form', () => {
  it('decorates the request once and the instance with the route hook', async () => {
    const seen: Array<[unknown, unknown]> = [];
    await serve(async (a) => {
      await a.register(jwtOncePlugin, opts());
      expect(a.hasRequestDecorator('user')).toBe(true);
      expect(a.hasRequestDecorator('jwtOnce')).toBe(true);
      a.post('/open', async (request) => {
        seen.push([request.jwtOnce, (request as JwtOnceRequest).user]);
        return 'open';
      });
      a.post('/x', { onRequest: a.jwtOnce }, ok);
    });
    expect(await statusOf(withBearer(`${url}/open`, undefined))).toBe(200);
    expect(seen).toEqual([[null, null]]);
    const token = hsToken({ sub: 'plugged' });
    expect(await (await withBearer(`${url}/x`, token)).json()).toMatchObject({ sub: 'plugged' });
    expect(await statusOf(withBearer(`${url}/x`, token))).toBe(401);
  });

  it('rejects the registration on misconfiguration', async () => {
    const a = Fastify();
    await expect(a.register(jwtOncePlugin, { secret: HS_SECRET } as FastifyJwtOnceOptions)).rejects.toMatchObject({
      code: 'ERR_JWT_ONCE_CONFIG',
    });
    await a.close();
  });
});

describe('behind @fastify/jwt (verifiedPayload)', () => {
  // @fastify/jwt (fast-jwt) reads the wall clock, so these tokens are live ones.
  const liveToken = (claims: Record<string, unknown> = {}) =>
    jwt.sign({ n: Math.random(), ...claims }, HS_SECRET, { algorithm: 'HS256', expiresIn: 300 });
  const verified = () => jwtOnce({ store: new MemoryStore(), verifiedPayload: (request) => (request as JwtOnceRequest).user });
  const verify = async (request: FastifyRequest) => {
    await request.jwtVerify();
  };

  it('claims what @fastify/jwt verified, once, under the same key claimToken uses; the plugin leaves its `user` alone', async () => {
    await serve(async (a) => {
      await a.register(fastifyJwt, { secret: HS_SECRET });
      await a.register(jwtOncePlugin, { store: new MemoryStore(), verifiedPayload: (request) => (request as JwtOnceRequest).user });
      a.post('/x', { onRequest: [verify, verified()] }, ok);
      a.post('/p', { onRequest: [verify, a.jwtOnce] }, ok);
    });
    const token = liveToken({ sub: 'carol' });
    const first = await withBearer(`${url}/x`, token);
    expect(first.status).toBe(200);
    const { key } = await claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore() });
    expect(await first.json()).toEqual({ sub: 'carol', key });
    const replay = await withBearer(`${url}/x`, token);
    expect(replay.status).toBe(401);
    expect((await bodyOf(replay)).code).toBe('ERR_JWT_ONCE_REUSED');
    expect(await statusOf(withBearer(`${url}/p`, token))).toBe(200);
    expect(await statusOf(withBearer(`${url}/p`, token))).toBe(401);
  });

  it('fails closed (401) when no verifier put a payload on the request', async () => {
    await serve((a) => a.post('/x', { onRequest: verified() }, ok));
    const res = await withBearer(`${url}/x`, liveToken());
    expect(res.status).toBe(401);
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_INVALID');
  });
});
