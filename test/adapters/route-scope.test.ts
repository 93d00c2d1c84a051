import { MemoryStore } from '../../src/index.js';
import { FRAMEWORKS, type AnyOptions, type Served } from '../helpers/frameworks.js';
import { bodyOf, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { spellings } from '../helpers/spellings.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** Presents one token on every spelling at once; tallies the answers. */
async function presentEverywhere(server: Served, paths: string[], token: string): Promise<{ passed: string[]; reused: number; other: Record<number, number> }> {
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
  const options = (extra: AnyOptions = {}): AnyOptions => ({ secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, scope: framework.routeScope, ...extra });

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
    server = await framework.onRoutes(options({ store: new MemoryStore(), scope: framework.rawPathScope }), [{ method: 'post', path: '/magic-login' }]);
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
