import { claimToken, closeStores, ConfigError, openStore } from '../../../src/index.js';
import { jwtOnce } from '../../../adapters/express/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

jest.mock('@keyv/sqlite', () => {
  const err = new Error("Cannot find module '@keyv/sqlite'") as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
});

afterAll(() => closeStores());

it('a missing optional package is a ConfigError when the store is opened, naming what to install', () => {
  expect(() => openStore('sqlite://never-created.db')).toThrow(ConfigError);
  expect(() => openStore('sqlite://never-created.db')).toThrow(
    /a sqlite:\/\/ store needs the optional package @keyv\/sqlite: npm install @keyv\/sqlite$/,
  );
});

it('is found when the middleware is created, not on the first request', () => {
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: 'sqlite://never-created.db', now: () => NOW };
  expect(() => jwtOnce({ ...options, algorithms: ['HS256'] })).toThrow(/npm install @keyv\/sqlite/);
});

it('claimToken with that store rejects with the ConfigError (a fault, never a pass)', async () => {
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: 'sqlite://never-created.db', now: () => NOW };
  const err = await claimToken(hsToken(), options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect(String((err as Error).message)).toMatch(/@keyv\/sqlite/);
});
