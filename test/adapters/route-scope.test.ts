import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { jwtOnce as koaJwtOnce, routeScope as koaRouteScope } from '../../adapters/koa/index.js';
import { MemoryStore } from '../../src/index.js';
import { FRAMEWORKS, type AnyOptions, type Served } from '../helpers/frameworks.js';
import { bodyOf, listen, presentWithEachMethod, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { percentEncodings, SIXTEEN_METHODS, spellings } from '../helpers/spellings.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** Presents one token on every spelling at once; tallies the answers. */
async function presentEverywhere(
  server: Served,
  paths: string[],
  token: string,
): Promise<{ passed: string[]; reused: number; other: Record<number, number> }> {
  const answers = await Promise.all(
    paths.map(async (path) => {
      const res = await withBearer(`${server.url}${path}`, token);
      const body = res.headers.get('content-type')?.includes('json') ? await bodyOf(res) : (await res.arrayBuffer(), {});
      return { path, status: res.status, code: body.code };
    }),
  );
  const other: Record<number, number> = {};
  for (const a of answers) if (a.status !== 200 && a.code !== 'ERR_JWT_ONCE_REUSED') other[a.status] = (other[a.status] ?? 0) + 1;
  return {
    passed: answers.filter((a) => a.status === 200).map((a) => a.path),
    reused: answers.filter((a) => a.status === 401 && a.code === 'ERR_JWT_ONCE_REUSED').length,
    other,
  };
}

describe.each(FRAMEWORKS)('routeScope on $name', (framework) => {
  let server: Served | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const options = (extra: AnyOptions = {}): AnyOptions => ({
    secret: HS_SECRET,
    algorithms: ['HS256'],
    now: () => NOW,
    scope: framework.routeScope,
    ...extra,
  });

  it.each([
    ['a route on the app', undefined, '/magic-login'],
    ['a route on a mounted router', '/api', '/magic-link'],
  ])('lets a token through once across every spelling of %s', async (_what, mount, path) => {
    server = await framework.onRoutes(options({ store: new MemoryStore() }), [{ method: 'post', path }], mount);
    const full = `${mount ?? ''}${path}`;
    const { passed, reused, other } = await presentEverywhere(server, spellings(full), hsToken());
    expect(passed).toHaveLength(1);
    // The router accepted many spellings (Express and Koa: case and trailing slash; Hono: encoded characters)...
    expect(passed.length + reused).toBeGreaterThanOrEqual(framework.name === 'Hono' ? 15 : 128);
    // ...and everything else is the router's 404, never a pass.
    expect(Object.keys(other)).toEqual(Object.keys(other).length === 0 ? [] : ['404']);
    expect(server.reached.count).toBe(1);
  });

  it('control: a scope of raw request data (the path) lets the same token through once per spelling', async () => {
    server = await framework.onRoutes(options({ store: new MemoryStore(), scope: framework.rawPathScope }), [
      { method: 'post', path: '/magic-login' },
    ]);
    const { passed } = await presentEverywhere(server, spellings('/magic-login'), hsToken());
    expect(passed.length).toBeGreaterThan(1);
  });

  it('gives each route its own scope, and counts HEAD as GET', async () => {
    server = await framework.onRoutes(options({ store: new MemoryStore() }), [
      { method: 'post', path: '/a' },
      { method: 'post', path: '/b' },
      { method: 'get', path: '/c' },
    ]);
    const token = hsToken();
    expect((await withBearer(`${server.url}/a`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/b`, token)).status).toBe(200);
    expect((await withBearer(`${server.url}/a`, token)).status).toBe(401);
    expect((await withBearer(`${server.url}/c`, token, { method: 'HEAD' })).status).toBe(200);
    const get = await withBearer(`${server.url}/c`, token, { method: 'GET' });
    expect(get.status).toBe(401);
    expect((await bodyOf(get)).code).toBe('ERR_JWT_ONCE_REUSED');
  });

  it.each(framework.multiMethod.map((form) => [form.name, form] as const))(
    'one route for several methods (%s): one token passes once across 16 methods',
    async (_name, form) => {
      server = await form.serve(options({ store: new MemoryStore() }), '/any', SIXTEEN_METHODS);
      const { passed, other } = await presentWithEachMethod(`${server.url}/any`, SIXTEEN_METHODS, hsToken());
      expect(passed).toHaveLength(1);
      expect(other).toEqual(Array(SIXTEEN_METHODS.length - 1).fill(401));
      expect(server.reached.count).toBe(1);
    },
  );

  const twoRoutes = framework.name === 'Hono' ? 'one scope' : 'two scopes';
  it(`two routes on one path, GET and POST with their own handlers: ${twoRoutes}`, async () => {
    server = await framework.onRoutes(options({ store: new MemoryStore() }), [
      { method: 'get', path: '/x' },
      { method: 'post', path: '/x' },
    ]);
    const token = hsToken();
    expect((await withBearer(`${server.url}/x`, token, { method: 'GET' })).status).toBe(200);
    // Hono does not tell which methods a handler was registered for (app.on registers one route per method): it folds them.
    expect((await withBearer(`${server.url}/x`, token, { method: 'POST' })).status).toBe(framework.name === 'Hono' ? 401 : 200);
    expect((await withBearer(`${server.url}/x`, token, { method: 'HEAD' })).status).toBe(401);
  });

  it.each(framework.mounts.map((form) => [form.name, form] as const))(
    'under a parameter mount (%s): one value in 16 percent-encodings passes once',
    async (_name, form) => {
      server = await form.serve(options({ store: new MemoryStore() }), [{ method: 'post', path: '/pay' }], '/:tenant');
      const token = hsToken();
      const { passed, reused, other } = await presentEverywhere(
        server,
        percentEncodings('acme').map((value) => `/${value}/pay`),
        token,
      );
      expect(passed).toHaveLength(1);
      expect(reused).toBe(15);
      expect(other).toEqual({});
      expect(server.reached.count).toBe(1);
      // Express labels the mount by its decoded value (it does not expose the mount pattern): another tenant is
      // another scope. The others label the pattern `/:tenant/pay`: one scope for every tenant.
      expect((await withBearer(`${server.url}/globex/pay`, token)).status).toBe(framework.name.startsWith('Express') ? 200 : 401);
    },
  );

  it('outside a route (app.use) is a ConfigError answered 500 through the error handling, never a pass', async () => {
    server = await framework.inUse(options({ store: new MemoryStore() }), [{ method: 'post', path: '/magic-login' }]);
    for (const token of [hsToken(), undefined]) {
      const res = await withBearer(`${server.url}/magic-login`, token);
      expect(res.status).toBe(500);
      expect(await bodyOf(res)).toEqual({ code: 'ERR_JWT_ONCE_CONFIG' });
    }
    expect(server.reached.count).toBe(0);
  });
});

describe('routeScope on Koa: routes of one pattern that share a method', () => {
  it('are one scope (the router does not say which of them runs), while a route with no shared method stays apart', async () => {
    const app = new Koa();
    const router = new Router();
    const once = koaJwtOnce({ secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, store: new MemoryStore(), scope: koaRouteScope });
    const reached: string[] = [];
    const handler = (name: string) => (ctx: Koa.Context) => {
      reached.push(name);
      ctx.body = { ok: true };
    };
    router.register('/x', ['get', 'post'], [once as never, handler('get+post')]);
    router.register('/x', ['post', 'put'], [once as never, handler('post+put')]);
    router.register('/x', ['delete'], [once as never, handler('delete')]);
    const server = await listen(createServer(app.use(router.routes()).callback()));
    try {
      const { passed } = await presentWithEachMethod(`${server.url}/x`, ['PUT', 'GET', 'POST', 'HEAD', 'DELETE'], hsToken());
      // PUT reaches 'post+put' only, GET 'get+post' only: labelled by their own methods, each would pass once.
      expect(passed).toEqual(['PUT', 'DELETE']);
      expect(reached).toEqual(['post+put', 'delete']);
    } finally {
      await server.close();
    }
  });
});
