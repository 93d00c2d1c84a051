import { createServer } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import { jwtOnce, routeScope, type JwtOnceRequest, type ExpressJwtOnceOptions } from '../../../adapters/express/index.js';
import { expressjwt } from 'express-jwt';
import { claimToken, MemoryStore, type ClaimEvent, type ClaimStore } from '../../../src/index.js';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions.js';
import { bodyOf, expectReusedAnswer, listen, withBearer } from '../../helpers/http.js';
import { failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW, NOW_S } from '../../helpers/tokens.js';

function opts(extra: Partial<ExpressJwtOnceOptions> = {}): ExpressJwtOnceOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

const ok = (req: Request, res: Response) =>
  res.json({ sub: (req as JwtOnceRequest).auth?.sub ?? null, key: (req as JwtOnceRequest).jwtOnce?.key });

failOnUnhandledRejections();

describe.each(EXPRESS_VERSIONS)('%s jwtOnce', (_version, express) => {
  async function serve(configure: (app: Express) => void) {
    const app = express();
    configure(app);
    app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).json({ error: err.message });
    });
    return listen(createServer(app));
  }

  let server: Awaited<ReturnType<typeof serve>>;
  afterEach(async () => server?.close());

  it('passes the first use with req.auth, refuses the replay with a challenge and a problem body', async () => {
    server = await serve((app) => app.post('/login', jwtOnce(opts()), ok));
    const token = hsToken({ sub: 'alice' });
    const first = await withBearer(`${server.url}/login`, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ sub: 'alice', key: expect.stringMatching(/^sha256:/) });

    const replay = await withBearer(`${server.url}/login`, token);
    await expectReusedAnswer(replay);
  });

  it('lets exactly one of 1,000 concurrent HTTP requests with one token through', async () => {
    server = await serve((app) => app.post('/pay', jwtOnce(opts()), ok));
    const token = hsToken();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, () =>
        withBearer(`${server.url}/pay`, token).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(999);
  });

  it('answers a request without a token with a bare Bearer challenge', async () => {
    server = await serve((app) => app.post('/x', jwtOnce(opts()), ok));
    const res = await withBearer(`${server.url}/x`, undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toMatchObject({ code: 'ERR_JWT_ONCE_MISSING' });
    const basic = await fetch(`${server.url}/x`, { method: 'POST', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect((await bodyOf(basic)).code).toBe('ERR_JWT_ONCE_MISSING');
  });

  it('answers a malformed Bearer credential with 400 invalid_request and never falls back to the cookie', async () => {
    server = await serve((app) => app.post('/x', jwtOnce(opts({ cookie: 'magic' })), ok));
    const valid = hsToken();
    const res = await fetch(`${server.url}/x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${valid}, Bearer x`, cookie: `magic=${valid}` },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request", error_description="/);
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_MALFORMED');
    // The cookie's token was not consumed.
    expect((await fetch(`${server.url}/x`, { method: 'POST', headers: { cookie: `magic=${valid}` } })).status).toBe(200);
  });

  it.each([
    ['invalid', () => hsToken({}, 300, 'a-different-secret-0123456789abcdef'), 'ERR_JWT_ONCE_INVALID'],
    ['expired', () => hsToken({}, -10), 'ERR_JWT_ONCE_EXPIRED'],
  ])('answers an %s token with 401 and its code', async (_name, make, code) => {
    server = await serve((app) => app.post('/x', jwtOnce(opts()), ok));
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
    server = await serve((app) => app.post('/x', jwtOnce(opts({ store: down })), ok));
    const res = await withBearer(`${server.url}/x`, hsToken());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_STORE');
  });

  it('leaves the token usable when validate refuses it', async () => {
    let allow = false;
    server = await serve((app) => app.post('/x', jwtOnce(opts({ validate: () => allow })), ok));
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
    allow = true;
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
  });

  it('partitions by route with routeScope: once per route', async () => {
    const store = new MemoryStore();
    server = await serve((app) =>
      app.post('/a', jwtOnce(opts({ scope: routeScope, store })), ok).post('/b', jwtOnce(opts({ scope: routeScope, store })), ok),
    );
    const token = hsToken();
    expect((await withBearer(`${server.url}/a`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/b`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/a`, token)).status).toBe(401);
  });

  it('releases the claim when the handler fails and releaseOnError is on', async () => {
    let fail = true;
    server = await serve((app) =>
      app.post('/x', jwtOnce(opts({ releaseOnError: true })), (req, res) => {
        if (fail) throw new Error('downstream failure');
        ok(req, res);
      }),
    );
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(500);
    fail = false;
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
  });

  it('keeps the claim when the handler fails and releaseOnError is off', async () => {
    server = await serve((app) =>
      app.post('/x', jwtOnce(opts()), () => {
        throw new Error('boom');
      }),
    );
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(500);
    expect((await withBearer(`${server.url}/x`, token)).status).toBe(401);
  });

  it('lets a downstream error keep its own status', async () => {
    server = await serve((app) =>
      app.post('/x', jwtOnce(opts()), () => {
        throw Object.assign(new Error('teapot'), { status: 418 });
      }),
    );
    const res = await withBearer(`${server.url}/x`, hsToken());
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ error: 'teapot' });
  });

  it('reads the token from a cookie, and from getToken', async () => {
    server = await serve((app) => {
      app.post('/cookie', jwtOnce(opts({ cookie: 'magic' })), ok);
      app.post('/query', jwtOnce(opts({ getToken: (req) => req.query.t as string | undefined })), ok);
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
    server = await serve((app) =>
      app.post(
        '/x',
        jwtOnce(
          opts({
            onError: (err, _req, res) => {
              res.status(403).json({ mine: err.code });
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

  it('passes what throws after the first await (onError, a rejecting getToken) to next(err), never an unhandled rejection', async () => {
    let reached = 0;
    const handler = (req: Request, res: Response) => {
      reached++;
      ok(req, res);
    };
    server = await serve((app) => {
      app.post(
        '/on-error',
        jwtOnce(
          opts({
            onError: () => {
              throw new Error('onError failed');
            },
          }),
        ),
        handler,
      );
      app.post(
        '/get-token',
        jwtOnce(
          opts({
            getToken: async () => {
              throw new Error('lookup failed');
            },
          }),
        ),
        handler,
      );
    });
    // Bounded: without the catch, Express 4 never answers (and the process sees an unhandled rejection).
    const viaOnError = await withBearer(`${server.url}/on-error`, undefined, { signal: AbortSignal.timeout(5000) });
    expect(viaOnError.status).toBe(500);
    expect(await viaOnError.json()).toEqual({ error: 'onError failed' });
    const viaGetToken = await withBearer(`${server.url}/get-token`, hsToken(), { signal: AbortSignal.timeout(5000) });
    expect(viaGetToken.status).toBe(500);
    expect(await viaGetToken.json()).toEqual({ error: 'lookup failed' });
    expect(reached).toBe(0);
  });

  it('reads its configuration from the environment when given none', async () => {
    const saved = { ...process.env };
    try {
      delete process.env.JWT_ONCE_SECRET;
      expect(() => jwtOnce()).toThrow(/JWT_ONCE_SECRET/);
      process.env.JWT_ONCE_SECRET = HS_SECRET;
      process.env.JWT_ONCE_ISSUER = 'https://id.example';
      server = await serve((app) => app.post('/x', jwtOnce({ now: () => NOW, store: new MemoryStore() }), ok));
      expect((await withBearer(`${server.url}/x`, hsToken({ iss: 'https://id.example' }))).status).toBe(200);
      expect((await withBearer(`${server.url}/x`, hsToken({ iss: 'https://other.example' }))).status).toBe(401);
    } finally {
      process.env = saved;
    }
  });

  describe('behind express-jwt (verifiedPayload)', () => {
    const verifier = () =>
      expressjwt({ secret: HS_SECRET, algorithms: ['HS256'], clockTimestamp: NOW_S } as Parameters<typeof expressjwt>[0]);
    const verified = () => jwtOnce({ store: new MemoryStore(), now: () => NOW, verifiedPayload: (req) => (req as JwtOnceRequest).auth });

    it('claims what express-jwt verified, once, under the same key claimToken uses', async () => {
      server = await serve((app) => app.post('/x', verifier(), verified(), ok));
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
      server = await serve((app) => app.post('/x', verified(), ok));
      const res = await withBearer(`${server.url}/x`, hsToken());
      expect(res.status).toBe(401);
      expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_INVALID');
    });

    it('passes the request to onClaim and onReplay', async () => {
      const events: Array<[string, string | undefined, string]> = [];
      const record = (kind: string) => (e: ClaimEvent) => events.push([kind, e.sub, (e.request as Request).path]);
      server = await serve((app) =>
        app.post(
          '/x',
          verifier(),
          jwtOnce({
            store: new MemoryStore(),
            now: () => NOW,
            verifiedPayload: (req) => (req as JwtOnceRequest).auth,
            onClaim: record('claim'),
            onReplay: record('replay'),
          }),
          ok,
        ),
      );
      const token = hsToken({ sub: 'eve' });
      await withBearer(`${server.url}/x`, token);
      await withBearer(`${server.url}/x`, token);
      expect(events).toEqual([
        ['claim', 'eve', '/x'],
        ['replay', 'eve', '/x'],
      ]);
    });
  });

  it('throws at creation on misconfiguration', () => {
    // @ts-expect-error -- `algorithms` is required with a `secret`; this checks the run-time refusal too
    expect(() => jwtOnce({ secret: HS_SECRET })).toThrow(/algorithms.*required/);
    expect(() => jwtOnce({ secret: HS_SECRET, algorithms: ['none' as 'HS256'] })).toThrow(/none/);
    expect(() => jwtOnce(opts({ cookie: '' }))).toThrow(/cookie/);
    expect(() => jwtOnce(opts({ onError: 'log' as unknown as ExpressJwtOnceOptions['onError'] }))).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_ONCE_CONFIG', message: expect.stringMatching(/onError/) }),
    );
  });
});
