// A proof is for one URL; the router must run the handler of that URL. WHATWG
// URL parsing resolves `%2e%2e`, `.%2e` and `\` like `..` and `/`, which
// Express, Koa and Fastify do not: `POST /files/%2e%2e/pay` with a proof for
// /pay once ran the /files/:name/pay handler with name '..' and was accepted,
// even with `origin` set. Hono and Web handlers route on the parsed URL, so
// they run the /pay handler itself.
import { MemoryStore } from '../../src/index.js';
import { dpopKey, proofClaims, signProof } from '../helpers/dpop.js';
import { DPOP_APPS, rawRequest, type DpopApp } from '../helpers/dpop-apps.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const key = dpopKey('ES256');
const ORIGIN = 'https://api.example.com';
const routes = [
  { method: 'post', path: '/pay' },
  { method: 'post', path: '/files/:name/pay' },
  { method: 'post', path: '/files/:name' },
] as const;

/** What a handler answers for a path, when the router sees that path plainly. */
const HANDLER_FOR: Record<string, unknown> = {
  '/pay': { route: '/pay', params: {} },
  '/files/pay': { route: '/files/:name', params: { name: 'pay' } },
};

/** [request path as sent, path the proof was made for] */
const SPELLINGS: Array<[string, string]> = [
  ['/files/%2e%2e/pay', '/pay'],
  ['/files/%2E%2E/pay', '/pay'],
  ['/files/.%2e/pay', '/pay'],
  ['/files/%2e./pay', '/pay'],
  ['/files/../pay', '/pay'],
  ['/files/%2e%2e/pay?x=1', '/pay'],
  ['/files/%2e/pay', '/files/pay'],
  ['/files/./pay', '/files/pay'],
  ['/files/..\\pay', '/pay'],
  ['/files/%2e%2e\\pay', '/pay'],
  ['/files\\pay', '/files/pay'],
];

for (const mode of ['with origin', 'without origin'] as const) {
  describe.each(DPOP_APPS)(`%s dpopOnce ${mode}: encoded dot segments and backslashes`, (name, start) => {
    let app: DpopApp;
    const store = new MemoryStore();

    beforeAll(async () => {
      app = await start({ store, now: () => NOW, ...(mode === 'with origin' && { origin: ORIGIN }) }, [...routes]);
    });
    afterAll(async () => {
      await app.close();
      store.close();
    });

    const htuFor = (path: string) => `${mode === 'with origin' ? ORIGIN : `http://127.0.0.1:${app.port}`}${path}`;

    it.each(SPELLINGS)('POST %s with a proof for %s: refused, or the handler of that very path runs', async (sent, signedFor) => {
      const answer = await rawRequest(app.port, 'POST', sent, { dpop: signProof(key, proofClaims({ htu: htuFor(signedFor) })) });
      if (answer.status === 200) {
        // Only where the router itself resolved the path (Hono, Web): the handler is the one the proof names.
        expect(JSON.parse(answer.body)).toEqual(HANDLER_FOR[signedFor]);
        expect(['Hono', 'Web']).toContain(name);
      } else {
        expect([400, 401, 404]).toContain(answer.status);
        expect(answer.body).not.toContain('"route"');
        if (answer.status === 401) expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_JWT_ONCE_DPOP' });
      }
    });

    it.each([
      ['/pay', { route: '/pay', params: {} }],
      ['/files/report.pdf', { route: '/files/:name', params: { name: 'report.pdf' } }],
      ['/files/..report/pay', { route: '/files/:name/pay', params: { name: '..report' } }],
      ['/files/a%2Fb', { route: '/files/:name', params: { name: 'a/b' } }],
    ])('POST %s with a proof for it: passes (dots inside a segment and encoded slashes are not dot segments)', async (path, handler) => {
      const answer = await rawRequest(app.port, 'POST', path, { dpop: signProof(key, proofClaims({ htu: htuFor(path) })) });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual(handler);
    });
  });
}
