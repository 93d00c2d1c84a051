import { claimToken, closeStores, openStore, StoreError } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

jest.mock('@keyv/postgres', () => {
  const err = new Error("Cannot find module '@keyv/postgres'") as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
});

afterAll(() => closeStores());

it('a missing @keyv/postgres fails closed (503) with a message saying what to install, never the password', async () => {
  const url = 'postgres://app:hunter2@127.0.0.1:5432/test';
  await expect((openStore(url) as { ready(): Promise<void> }).ready()).rejects.toThrow(/npm install @keyv\/postgres pg/);
  const err = await claimToken(hsToken(), { secret: HS_SECRET, algorithms: ['HS256'], store: url, now: () => NOW }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).status).toBe(503);
  const text = `${String((err as Error).message)} ${String((err as Error).cause)}`;
  expect(text).toMatch(/@keyv\/postgres/);
  expect(text).not.toContain('hunter2');
});
