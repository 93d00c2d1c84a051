import { claimToken, closeStores, openStore, StoreError } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

jest.mock('@keyv/sqlite', () => {
  const err = new Error("Cannot find module '@keyv/sqlite'") as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
});

afterAll(() => closeStores());

it('a missing optional package fails closed with a message naming it', async () => {
  const store = openStore('sqlite://never-created.db');
  await expect((store as { ready(): Promise<void> }).ready()).rejects.toThrow(/npm install @keyv\/sqlite/);
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: 'sqlite://never-created.db', now: () => NOW };
  const err = await claimToken(hsToken(), options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).status).toBe(503);
  expect(String((err as Error).message) + String((err as Error).cause)).toMatch(/@keyv\/sqlite/);
});
