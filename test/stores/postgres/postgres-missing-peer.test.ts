import { claimToken, closeStores, ConfigError, openStore } from '../../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';

jest.mock('@keyv/postgres', () => {
  const err = new Error("Cannot find module '@keyv/postgres'") as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
});

afterAll(() => closeStores());

it('a missing @keyv/postgres is a ConfigError at creation saying what to install, never the password', async () => {
  const url = 'postgres://app:hunter2@127.0.0.1:5432/test';
  expect(() => openStore(url)).toThrow(
    /a postgres:\/\/ store needs the optional package @keyv\/postgres pg: npm install @keyv\/postgres pg$/,
  );
  const err = await claimToken(hsToken(), { secret: HS_SECRET, algorithms: ['HS256'], store: url, now: () => NOW }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect(String((err as Error).message)).not.toContain('hunter2');
});
