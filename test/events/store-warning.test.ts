// When nobody listens to store failures (no onStoreError, no jwt-once:store-error
// subscriber), the first failure of a store is logged with console.warn, then at
// most one a minute; with a listener, nothing is logged. The clock is faked.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CHANNELS, claimToken, closeStores, MemoryStore, StoreError } from '../../src/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { freePort, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const now = () => NOW;
let warn: jest.SpyInstance;

beforeEach(() => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  warn.mockRestore();
  jest.useRealTimers();
});
afterAll(() => closeStores());

/** A store that fails every claim: a closed MemoryStore (it refuses rather than forget). */
function failingStore(): MemoryStore {
  const store = new MemoryStore({ now });
  store.close();
  return store;
}

const refused = (store: MemoryStore, extra: object = {}) =>
  expect(claimToken(hsToken(), { secret: HS_SECRET, algorithms: ['HS256'], now, store, ...extra })).rejects.toBeInstanceOf(StoreError);

it('logs the first failure, then at most one a minute per store, naming what failed', async () => {
  jest.useFakeTimers({ now: Date.UTC(2026, 11, 3, 9, 0, 0) });
  const store = failingStore();
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, now, store };
  await expect(claimToken(hsToken(), options)).rejects.toBeInstanceOf(StoreError);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]![0])).toMatch(
    /^jwt-once: the claim store failed and tokens are refused \(503\): The memory store is closed; refusing rather than forgetting its claims\. Set onStoreError/,
  );
  expect(String(warn.mock.calls[0]![0])).not.toContain(HS_SECRET);

  for (let i = 0; i < 5; i++) await expect(claimToken(hsToken(), options)).rejects.toBeInstanceOf(StoreError);
  jest.advanceTimersByTime(59_999);
  await expect(claimToken(hsToken(), options)).rejects.toBeInstanceOf(StoreError);
  expect(warn).toHaveBeenCalledTimes(1);

  jest.advanceTimersByTime(1);
  await expect(claimToken(hsToken(), options)).rejects.toBeInstanceOf(StoreError);
  expect(warn).toHaveBeenCalledTimes(2);

  // Another store is another problem: its first failure is logged at once.
  await refused(failingStore());
  expect(warn).toHaveBeenCalledTimes(3);
});

it('logs nothing when onStoreError is set', async () => {
  const seen: StoreError[] = [];
  await refused(failingStore(), { onStoreError: (err: StoreError) => seen.push(err) });
  expect(seen).toHaveLength(1);
  expect(warn).not.toHaveBeenCalled();
});

it('logs nothing when someone subscribes to jwt-once:store-error', async () => {
  const messages: unknown[] = [];
  const listener = (m: unknown) => messages.push(m);
  subscribe(CHANNELS.storeError, listener);
  try {
    await refused(failingStore());
  } finally {
    unsubscribe(CHANNELS.storeError, listener);
  }
  expect(messages).toHaveLength(1);
  expect(warn).not.toHaveBeenCalled();
});

it('a Redis that is down, behind a middleware: the server log names it, the client gets a bare 503', async () => {
  const port = await freePort();
  const url = `redis://:hunter2@127.0.0.1:${port}/3?replicaTimeout=100`;
  const server = await FRAMEWORKS[0]!.onRoutes({ secret: HS_SECRET, algorithms: ['HS256'], now, store: url }, [
    { method: 'post', path: '/x' },
  ]);
  let body: string;
  try {
    const res = await withBearer(`${server.url}/x`, hsToken());
    expect(res.status).toBe(503);
    body = await res.text();
  } finally {
    await server.close();
  }
  expect(warn).toHaveBeenCalledTimes(1);
  const logged = String(warn.mock.calls[0]![0]);
  expect(logged).not.toContain('hunter2');
  expect(logged).toContain(`jwt-once: the claim store redis://127.0.0.1:${port}/3 failed and tokens are refused (503): `);
  for (const secret of [String(port), '127.0.0.1', 'redis']) expect(body).not.toContain(secret);
});
