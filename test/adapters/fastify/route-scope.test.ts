import Fastify, { type FastifyInstance } from 'fastify';
import { routeScope, jwtOnce, type JwtOnceHook } from '../../../adapters/fastify/index.js';
import { MemoryStore } from '../../../src/index.js';
import { bodyOf, presentWithEachMethod, withBearer } from '../../helpers/http.js';
import { failOnUnhandledRejections } from '../../helpers/outcome.js';
import { percentEncodings, spellings } from '../../helpers/spellings.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

failOnUnhandledRejections();

/** A Fastify app whose router accepts many spellings of one route, as a user may configure it. */
async function serve(scope: unknown, prefix?: string): Promise<{ app: FastifyInstance; url: string; reached: { count: number } }> {
  const app = Fastify({ routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } });
  const reached = { count: 0 };
  const once = jwtOnce({ secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, store: new MemoryStore(), scope: scope as never });
  await app.register(
    async (scoped) => {
      scoped.post('/magic-login', { onRequest: once }, async () => {
        reached.count++;
        return { ok: true };
      });
      scoped.get('/magic-login', { onRequest: once }, async () => {
        reached.count++;
        return { ok: true };
      });
    },
    prefix === undefined ? {} : { prefix },
  );
  // The 404 handler runs the hook too when it is global: there no route matched.
  app.setNotFoundHandler({ preHandler: once }, async (_request, reply) => reply.code(404).send({ code: 'NOT_FOUND' }));
  app.setErrorHandler(async (err, _request, reply) =>
    reply.code((err as { status?: number }).status ?? 500).send({ code: (err as { code?: string }).code }),
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, reached };
}

async function presentEverywhere(
  url: string,
  paths: string[],
  token: string,
): Promise<{ passed: number; reused: number; other: number[] }> {
  const answers = await Promise.all(
    paths.map(async (path) => {
      const res = await withBearer(`${url}${path}`, token);
      const body = res.headers.get('content-type')?.includes('json') ? await bodyOf(res) : (await res.arrayBuffer(), {});
      return { status: res.status, code: body.code };
    }),
  );
  return {
    passed: answers.filter((a) => a.status === 200).length,
    reused: answers.filter((a) => a.code === 'ERR_JWT_ONCE_REUSED').length,
    other: answers.filter((a) => a.status !== 200 && a.code !== 'ERR_JWT_ONCE_REUSED').map((a) => a.status),
  };
}

type Handler = () => Promise<{ ok: true }>;

type Served = { app: FastifyInstance; url: string; reached: { count: number } };

/** A Fastify app built by `build` with one guard (`once`) and a counting handler. */
async function serveWith(build: (app: FastifyInstance, once: JwtOnceHook, handler: Handler) => void): Promise<Served> {
  const app = Fastify();
  const reached = { count: 0 };
  const once = jwtOnce({ secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, store: new MemoryStore(), scope: routeScope });
  build(app, once, async () => {
    reached.count++;
    return { ok: true };
  });
  app.setErrorHandler(async (err: { status?: number; code?: string }, _request, reply) =>
    reply.code(err.status ?? 500).send({ code: err.code }),
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, reached };
}

/** The routed methods `fetch` can send (Fastify also routes TRACE, which fetch refuses, and QUERY, which Node 20 cannot parse). */
const SIX_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

describe('routeScope on Fastify', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([
    ['a route on the app', undefined, '/magic-login'],
    ['a route under a prefix', '/api', '/api/magic-login'],
  ])('lets a token through once across every spelling of %s', async (_what, prefix, full) => {
    const served = await serve(routeScope, prefix);
    app = served.app;
    const { passed, reused, other } = await presentEverywhere(served.url, spellings(full), hsToken());
    expect(passed).toBe(1);
    expect(passed + reused).toBeGreaterThanOrEqual(100); // the router accepted many spellings
    // Spellings no route accepts reach the 404 handler, whose guard finds no route: 500, never a pass.
    expect(other.filter((status) => status !== 500)).toEqual([]);
    expect(served.reached.count).toBe(1);
  });

  it('control: a scope of the raw URL lets the same token through once per spelling', async () => {
    const served = await serve((request: { url: string }) => request.url);
    app = served.app;
    const { passed } = await presentEverywhere(served.url, spellings('/magic-login'), hsToken());
    expect(passed).toBeGreaterThan(1);
  });

  it('counts HEAD as GET: one token, one pass', async () => {
    const served = await serve(routeScope);
    app = served.app;
    const token = hsToken();
    const get = await withBearer(`${served.url}/magic-login`, token, { method: 'GET' });
    const head = await withBearer(`${served.url}/magic-login`, token, { method: 'HEAD' });
    expect(get.status).toBe(200);
    expect(head.status).toBe(401);
  });

  it.each([
    [
      'a route with method: [6 methods] (and its HEAD twin)',
      (app: FastifyInstance, once: JwtOnceHook, handler: Handler) =>
        void app.route({ method: [...SIX_METHODS], url: '/any', onRequest: once, handler }),
    ],
    ['app.all()', (app: FastifyInstance, once: JwtOnceHook, handler: Handler) => void app.all('/any', { onRequest: once }, handler)],
  ])('one route for several methods (%s): one token passes once across them and HEAD', async (_name, build) => {
    const served = await serveWith(build);
    app = served.app;
    const { passed, other } = await presentWithEachMethod(`${served.url}/any`, [...SIX_METHODS, 'HEAD'], hsToken());
    expect(passed).toHaveLength(1);
    expect(other).toEqual(Array(SIX_METHODS.length).fill(401));
    expect(served.reached.count).toBe(1);
  });

  it('two routes on one path, GET and POST with their own handlers: two scopes, HEAD with the GET', async () => {
    const served = await serveWith((scoped, once, handler) => {
      scoped.get('/x', { onRequest: once }, handler);
      scoped.post('/x', { onRequest: once }, handler);
    });
    app = served.app;
    const token = hsToken();
    expect((await withBearer(`${served.url}/x`, token, { method: 'HEAD' })).status).toBe(200);
    expect((await withBearer(`${served.url}/x`, token, { method: 'POST' })).status).toBe(200);
    expect((await withBearer(`${served.url}/x`, token, { method: 'GET' })).status).toBe(401);
  });

  it('under a parameter prefix: one value in 16 percent-encodings passes once (one scope for the pattern)', async () => {
    const served = await serveWith((scoped, once, handler) => {
      void scoped.register(async (tenant) => void tenant.post('/pay', { onRequest: once }, handler), { prefix: '/:tenant' });
    });
    app = served.app;
    const token = hsToken();
    const { passed, reused, other } = await presentEverywhere(
      served.url,
      percentEncodings('acme').map((value) => `/${value}/pay`),
      token,
    );
    expect([passed, reused, other]).toEqual([1, 15, []]);
    expect((await withBearer(`${served.url}/globex/pay`, token)).status).toBe(401);
    expect(served.reached.count).toBe(1);
  });

  it('where no route matched (the 404 handler) it is a 500 ConfigError, never a pass', async () => {
    const served = await serve(routeScope);
    app = served.app;
    const res = await withBearer(`${served.url}/nowhere`, hsToken());
    expect(res.status).toBe(500);
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_CONFIG');
  });
});
