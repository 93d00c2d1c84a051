import { closeStores, ConfigError, openStore } from '../../../src/index.js';
import { FRAMEWORKS } from '../../helpers/frameworks.js';
import { HS_SECRET, NOW } from '../../helpers/tokens.js';

// The package cannot be uninstalled for one test: make it fail to load as a missing one does.
jest.mock('@keyv/redis', () => {
  const err = new Error("Cannot find module '@keyv/redis'") as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
});

afterAll(() => closeStores());

const url = 'redis://:hunter2@cache.internal.example:6380/2';

it('a missing @keyv/redis: openStore throws a ConfigError saying `npm install @keyv/redis`, without the URL', () => {
  let thrown: unknown;
  try {
    openStore(url);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  expect((thrown as Error).message).toMatch(/a redis:\/\/ store needs the optional package @keyv\/redis: npm install @keyv\/redis$/);
  for (const secret of ['hunter2', 'cache.internal', '6380']) expect((thrown as Error).message).not.toContain(secret);
});

it.each(FRAMEWORKS.map((f) => [f.name, f] as const))('%s: creating the middleware fails, before any request', async (_name, framework) => {
  const options = { secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, store: url };
  await expect(framework.onRoutes(options, [{ method: 'post', path: '/x' }])).rejects.toThrow(/npm install @keyv\/redis/);
});
