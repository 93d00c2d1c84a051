import { closeStores, openStore, StoreError } from '../../../src/index.js';
import { FRAMEWORKS } from '../../helpers/frameworks.js';
import { withBearer } from '../../helpers/http.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

// The package cannot be uninstalled for one test: make it fail to load as a missing one does.
jest.mock('@keyv/redis', () => {
  const err = new Error("Cannot find module '@keyv/redis'") as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
});

afterAll(() => closeStores());

const url = 'redis://:hunter2@cache.internal.example:6380/2';

it('a missing @keyv/redis: the hint is `npm install @keyv/redis`, kept for operators, never sent to the client', async () => {
  const ready = (openStore(url) as { ready(): Promise<void> }).ready();
  await expect(ready).rejects.toThrow(/needs the optional package @keyv\/redis: npm install @keyv\/redis$/);
  await expect(ready).rejects.not.toThrow(/hunter2/);

  const reported: StoreError[] = [];
  const server = await FRAMEWORKS[0]!.onRoutes(
    { secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, store: url, onStoreError: (err: StoreError) => reported.push(err) },
    [{ method: 'post', path: '/x' }],
  );
  try {
    const res = await withBearer(`${server.url}/x`, hsToken());
    expect(res.status).toBe(503);
    const body = await res.text();
    for (const secret of ['cache.internal', '6380', 'hunter2', 'npm', '@keyv']) expect(body).not.toContain(secret);
  } finally {
    await server.close();
  }
  expect(reported).toHaveLength(1);
  expect(reported[0]!.detail).toMatch(
    /redis:\/\/cache\.internal\.example:6380\/2 needs the optional package @keyv\/redis: npm install @keyv\/redis/,
  );
  expect(reported[0]!.detail).not.toContain('hunter2');
});
