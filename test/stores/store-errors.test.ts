import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStores, StoreError } from '../../src/index.js';
import { FRAMEWORKS, type Served } from '../helpers/frameworks.js';
import { withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const dir = mkdtempSync(join(tmpdir(), 'jwt-once-store-errors-'));
// A regular file where the directory should be: the store cannot create it (a missing directory it would create).
const blocked = join(dir, 'not-a-dir');
writeFileSync(blocked, '');
const missingDir = join(blocked, 'deeper');
afterAll(async () => {
  await closeStores();
  rmSync(dir, { recursive: true, force: true });
});

const STORES: Array<[string, string, string[]]> = [
  // Nothing listens on port 1: every claim fails.
  ['Redis on a closed port', 'redis://127.0.0.1:1', ['127.0.0.1', ':1', 'redis', 'npm']],
  [
    'SQLite under a path that cannot be a directory',
    `sqlite://${join(missingDir, 'claims.db')}`,
    [dir, 'not-a-dir', 'claims.db', 'sqlite', 'SQLITE', 'npm'],
  ],
];

describe.each(FRAMEWORKS)('store failures on $name', (framework) => {
  let server: Served | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(STORES)('%s: 503 with a fixed body; onStoreError gets the detail once per failure', async (_what, store, secrets) => {
    const reported: unknown[][] = [];
    const onStoreError = (...args: unknown[]) => reported.push(args);
    server = await framework.onRoutes(
      { secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW, store, storeTimeout: 300, onStoreError },
      [{ method: 'post', path: '/x' }],
    );
    const tokens = [hsToken(), hsToken(), hsToken()];
    for (const token of tokens) {
      const res = await withBearer(`${server.url}/x`, token);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'The claim store is unavailable; retry later',
        code: 'ERR_JWT_ONCE_STORE',
      });
      for (const secret of secrets) expect(body).not.toContain(secret);
    }
    expect(server.reached.count).toBe(0);
    // Once per failure, with the error alone: its detail says what failed, and no token is in it.
    expect(reported).toHaveLength(tokens.length);
    for (const args of reported) {
      expect(args).toHaveLength(1);
      const [err] = args as [StoreError];
      expect(err).toBeInstanceOf(StoreError);
      expect(err.detail).not.toBe('');
      expect(err.detail.startsWith(err.message)).toBe(true);
      for (const token of tokens) expect(`${err.message} ${err.detail} ${String(err.cause)}`).not.toContain(token.split('.')[1]!);
    }
  });
});

it('a StoreError keeps the cause chain in `detail`', () => {
  const err = new StoreError('The claim store failed', {
    cause: new Error('connect ECONNREFUSED 10.0.0.7:6379', { cause: new Error('socket closed') }),
  });
  expect(err.detail).toBe('The claim store failed: connect ECONNREFUSED 10.0.0.7:6379: socket closed');
  expect(new StoreError('x', { detail: 'given' }).detail).toBe('given');
});
