// Every DPoP middleware over real HTTP on 127.0.0.1: a proof passes once, a
// replay and every bad proof get 401 with the RFC 9449 s7.1 challenge.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { dpopOnce as expressDpop, type DpopOnceRequest } from '../../adapters/express/dpop-once.js';
import { dpopOnce as fastifyDpop } from '../../adapters/fastify/dpop-once.js';
import { dpopOnce as honoDpop, type DpopOnceVariables } from '../../adapters/hono/dpop-once.js';
import { dpopOnce as koaDpop, type DpopOnceState } from '../../adapters/koa/dpop-once.js';
import { jwkThumbprint, type DpopGuardOptions } from '../../src/dpop/index.js';
import { MemoryStore } from '../../src/index.js';
import { dpopKey, proofClaims, signProof } from '../helpers/dpop.js';
import { listen } from '../helpers/http.js';
import { NOW } from '../helpers/tokens.js';

interface Running {
  url: string;
  close: () => Promise<void>;
}
type Options = DpopGuardOptions<never> & { store: MemoryStore; now: () => number };
/** Starts an app with the middleware on POST /token and GET /resource that answers { jkt }. */
type Start = (options: Options) => Promise<Running>;

const frameworks: Array<[string, Start]> = [
  [
    'express',
    (options) => {
      const app = express();
      app.all(['/token', '/resource'], expressDpop(options as never), (req, res) => {
        res.json({ jkt: (req as DpopOnceRequest).dpop!.thumbprint });
      });
      return listen(createServer(app));
    },
  ],
  [
    'express 4',
    (options) => {
      // The same middleware under Express 4 (the `express4` alias), which the peer range allows.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const express4 = require('express4') as typeof express;
      const app = express4();
      app.all(['/token', '/resource'], expressDpop(options as never), (req, res) => {
        res.json({ jkt: (req as DpopOnceRequest).dpop!.thumbprint });
      });
      return listen(createServer(app));
    },
  ],
  [
    'koa',
    (options) => {
      const app = new Koa<DpopOnceState>();
      app.use(koaDpop(options as never)).use((ctx) => {
        ctx.body = { jkt: ctx.state.dpop.thumbprint };
      });
      return listen(createServer(app.callback()));
    },
  ],
  [
    'hono',
    (options) => {
      const app = new Hono<{ Variables: DpopOnceVariables }>();
      app.use('*', honoDpop(options as never)).all('*', (c) => c.json({ jkt: c.get('dpop').thumbprint }));
      return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    },
  ],
  [
    'fastify',
    async (options) => {
      const app = Fastify();
      app.decorateRequest('dpop', null);
      const onRequest = fastifyDpop(options as never);
      const handler = async (request: { dpop: { thumbprint: string } | null }) => ({ jkt: request.dpop!.thumbprint });
      app.post('/token', { onRequest }, handler);
      app.get('/resource', { onRequest }, handler);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    },
  ],
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with node:http, so that two `DPoP` header lines can be sent as two lines. */
function send(url: string, method: string, headers: Record<string, string | string[]>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

const key = dpopKey('ES256');
const jkt = jwkThumbprint(key.jwk as never);

describe.each(frameworks)('%s dpopOnce over real HTTP', (_, start) => {
  let server: Running;
  const options: Options = { store: new MemoryStore(), now: () => NOW };

  beforeAll(async () => {
    server = await start(options);
  });
  afterAll(async () => {
    await server.close();
    options.store.close();
  });

  const post = (proof: string | string[] | undefined, extra: Record<string, string> = {}) =>
    send(`${server.url}/token`, 'POST', { ...(proof !== undefined && { dpop: proof }), ...extra });
  const claims = (over: Record<string, unknown> = {}) => proofClaims({ htu: `${server.url}/token`, ...over });

  function expectRefused(answer: Answer, code: string, error = 'invalid_dpop_proof'): void {
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(new RegExp(`^DPoP error="${error}", error_description="`));
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 401, code });
    expect(answer.body).not.toContain('127.0.0.1'); // no host or path in what the client receives
  }

  it('a proof passes once; its replay is refused', async () => {
    const proof = signProof(key, claims());
    const first = await post(proof);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ jkt });
    expectRefused(await post(proof), 'ERR_JWT_ONCE_DPOP_REUSED');
  });

  it('refuses no proof, two DPoP header lines, and a proof for another URL or method', async () => {
    expectRefused(await post(undefined), 'ERR_JWT_ONCE_DPOP');
    expectRefused(await post([signProof(key, claims()), signProof(key, claims())]), 'ERR_JWT_ONCE_DPOP');
    expectRefused(await post(signProof(key, claims({ htu: `${server.url}/other` }))), 'ERR_JWT_ONCE_DPOP');
    expectRefused(await post(signProof(key, claims({ htm: 'GET' }))), 'ERR_JWT_ONCE_DPOP');
  });

  it('at a resource: Authorization: DPoP <token> requires the matching ath', async () => {
    const accessToken = 'access.token.value';
    const ath = createHash('sha256').update(accessToken).digest('base64url');
    const htu = `${server.url}/resource`;
    const auth = { authorization: `DPoP ${accessToken}` };
    const good = signProof(key, proofClaims({ htm: 'GET', htu, ath }));
    expect((await send(`${server.url}/resource?x=1`, 'GET', { dpop: good, ...auth })).status).toBe(200);
    const noAth = signProof(key, proofClaims({ htm: 'GET', htu }));
    expectRefused(await send(`${server.url}/resource`, 'GET', { dpop: noAth, ...auth }), 'ERR_JWT_ONCE_DPOP');
  });
});

describe('dpopOnce with a server nonce (Express)', () => {
  it('answers use_dpop_nonce with a DPoP-Nonce header, then accepts the nonce', async () => {
    const store = new MemoryStore();
    const app = express();
    app.post(
      '/token',
      expressDpop({ store, now: () => NOW, nonce: { check: (n) => n === 'srv-1', issue: () => 'srv-1' } }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    const server = await listen(createServer(app));
    try {
      const htu = `${server.url}/token`;
      const first = await send(htu, 'POST', { dpop: signProof(key, proofClaims({ htu })) });
      expect(first.status).toBe(401);
      expect(first.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
      expect(first.headers['dpop-nonce']).toBe('srv-1');
      expect((await send(htu, 'POST', { dpop: signProof(key, proofClaims({ htu, nonce: 'srv-1' })) })).status).toBe(200);
    } finally {
      await server.close();
      store.close();
    }
  });
});

describe('dpopOnce behind a proxy and behind an access-token verifier (Express)', () => {
  it('origin: the proof signed for the public URL passes whatever Host the app sees', async () => {
    const store = new MemoryStore();
    const app = express();
    app.post('/token', expressDpop({ store, now: () => NOW, origin: 'https://api.example.com' }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(createServer(app));
    try {
      const url = `${server.url}/token?x=1`;
      const publicHtu = 'https://api.example.com/token';
      expect((await send(url, 'POST', { dpop: signProof(key, proofClaims({ htu: publicHtu })) })).status).toBe(200);
      // Signed for the address the app listens on: not the public URL, refused.
      expect((await send(url, 'POST', { dpop: signProof(key, proofClaims({ htu: `${server.url}/token` })) })).status).toBe(401);
    } finally {
      await server.close();
      store.close();
    }
  });

  it('accessTokenPayload: cnf.jkt must be the proof key, and the token must use the DPoP scheme', async () => {
    const store = new MemoryStore();
    const app = express();
    // A verifier in front put the access token's payload on req.auth (express-jwt's place).
    app.use((req, _res, next) => {
      (req as { auth?: unknown }).auth = { sub: 'alice', cnf: { jkt: req.get('x-test-jkt') } };
      next();
    });
    app.get(
      '/resource',
      expressDpop({ store, now: () => NOW, accessTokenPayload: (req) => (req as { auth?: unknown }).auth }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    const server = await listen(createServer(app));
    try {
      const htu = `${server.url}/resource`;
      const token = 'bound.access.token';
      const ath = createHash('sha256').update(token).digest('base64url');
      const proof = () => signProof(key, proofClaims({ htm: 'GET', htu, ath }));
      const ok = await send(htu, 'GET', { dpop: proof(), authorization: `DPoP ${token}`, 'x-test-jkt': jkt });
      expect(ok.status).toBe(200);
      const otherKey = await send(htu, 'GET', { dpop: proof(), authorization: `DPoP ${token}`, 'x-test-jkt': 'another-thumbprint' });
      expect(otherKey.status).toBe(401);
      expect(JSON.parse(otherKey.body).detail).toBe('The DPoP proof key is not the key the access token is bound to');
      const bearer = await send(htu, 'GET', { dpop: proof(), authorization: `Bearer ${token}`, 'x-test-jkt': jkt });
      expect(bearer.status).toBe(401);
      expect(JSON.parse(bearer.body).detail).toMatch(/Authorization: DPoP/);
    } finally {
      await server.close();
      store.close();
    }
  });
});
