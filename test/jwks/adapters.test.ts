import { createServer, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { jwtOnce as expressJwtOnce } from '../../adapters/express/index.js';
import { jwtOnce as honoJwtOnce } from '../../adapters/hono/index.js';
import { claimToken, jwks, MemoryStore, type JwksOptions, type SecretResolver } from '../../src/index.js';
import { bodyOf, expectReusedAnswer, freePort, listen, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';
import { JwksServer, signingKey, tokenFrom } from './jwks-server.js';

failOnUnhandledRejections();

const ISS = 'https://idp.example';
const key = signingKey('2026-01');

type App = (secret: SecretResolver, store: MemoryStore) => Server;

const apps: [name: string, app: App][] = [
  [
    'Express',
    (secret, store) => {
      const app = express();
      app.post('/api', expressJwtOnce({ secret, algorithms: ['RS256'], store, now: () => NOW }), (req, res) => {
        res.json({ sub: (req as { auth?: { sub?: string } }).auth?.sub });
      });
      return createServer(app);
    },
  ],
  [
    'Hono',
    (secret, store) => {
      const app = new Hono();
      app.post('/api', honoJwtOnce({ secret, algorithms: ['RS256'], store, now: () => NOW }), (c) =>
        c.json({ sub: c.get('jwtPayload').sub }),
      );
      return createAdaptorServer({ fetch: app.fetch }) as Server;
    },
  ],
];

describe.each(apps)('jwks() through %s over HTTP', (_name, makeApp) => {
  const stops: (() => Promise<void>)[] = [];
  const store = new MemoryStore();
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });
  afterAll(() => store.close());

  async function serveApp(options: JwksOptions): Promise<string> {
    const server = await listen(makeApp(jwks({ now: () => NOW, ...options }), store));
    stops.push(server.close);
    return `${server.url}/api`;
  }

  it('200 for a token whose kid is in the issuer key set, then 401 for its replay', async () => {
    const idp = await JwksServer.start([key]);
    stops.push(() => idp.stop());
    const url = await serveApp({ issuers: { [ISS]: idp.url } });
    const token = tokenFrom(key, { iss: ISS, sub: 'alice' });
    const first = await withBearer(url, token);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ sub: 'alice' });
    await expectReusedAnswer(await withBearer(url, token));
    expect(idp.hits).toBe(1);
  });

  it('401 with a code for an issuer that is not listed', async () => {
    const idp = await JwksServer.start([key]);
    stops.push(() => idp.stop());
    const url = await serveApp({ issuers: { [ISS]: idp.url } });
    const res = await withBearer(url, tokenFrom(key, { iss: 'https://other.example' }));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="The token issuer is not accepted"');
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_INVALID');
    expect(idp.hits).toBe(0);
  });

  it('503 with Retry-After and a body naming no host when the key set server is down and the cache cold', async () => {
    const port = await freePort();
    const url = await serveApp({ uri: `http://127.0.0.1:${port}/jwks.json` });
    const res = await withBearer(url, tokenFrom(key, { iss: ISS }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The key set is unavailable; retry later',
      code: 'ERR_JWT_ONCE_JWKS_UNAVAILABLE',
    });
    expect(text).not.toContain(String(port));
    expect(text).not.toContain('jwks.json');
  });
});

describe('jwks() with claimToken', () => {
  it('one resolver serves claimToken calls, one fetch for all', async () => {
    const idp = await JwksServer.start([key]);
    try {
      const store = new MemoryStore();
      const secret = jwks({ uri: idp.url, now: () => NOW });
      const options = { secret, algorithms: ['RS256' as const], store, now: () => NOW };
      const token = tokenFrom(key);
      expect((await claimToken(token, options)).header.kid).toBe('2026-01');
      await expect(claimToken(token, options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
      await claimToken(tokenFrom(key), options);
      expect(idp.hits).toBe(1);
      store.close();
    } finally {
      await idp.stop();
    }
  });
});
