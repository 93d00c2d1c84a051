import Fastify, { type FastifyInstance } from 'fastify';
import { routeScope, jwtOnce } from '../../adapters/fastify.js';
import { MemoryStore } from '../../src/index.js';
import { bodyOf, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { spellings } from '../helpers/spellings.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

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
  app.setErrorHandler(async (err, _request, reply) => reply.code((err as { status?: number }).status ?? 500).send({ code: (err as { code?: string }).code }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, reached };
}

async function presentEverywhere(url: string, paths: string[], token: string): Promise<{ passed: number; reused: number; other: number[] }> {
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

  it('where no route matched (the 404 handler) it is a 500 ConfigError, never a pass', async () => {
    const served = await serve(routeScope);
    app = served.app;
    const res = await withBearer(`${served.url}/nowhere`, hsToken());
    expect(res.status).toBe(500);
    expect((await bodyOf(res)).code).toBe('ERR_JWT_ONCE_CONFIG');
  });
});
