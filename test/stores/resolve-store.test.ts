import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Keyv from 'keyv';
import {
  claimToken,
  closeStores,
  ConfigError,
  createClaimer,
  KeyvLockedStore,
  MemoryStore,
  openStore,
  optionsFromEnv,
  resolveStore,
  SqliteClaimStore,
} from '../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

/** A Keyv adapter with no atomic claim (like @keyv/mongo): a plain object store. */
function otherAdapter(): Keyv {
  const data = new Map<string, unknown>();
  return new Keyv({
    store: {
      get: async (k: string) => data.get(k),
      set: async (k: string, v: unknown) => void data.set(k, v),
      delete: async (k: string) => data.delete(k),
      clear: async () => data.clear(),
      opts: { dialect: 'other' },
    } as never,
  });
}

describe('the store option', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-urls-'));
  });
  afterAll(async () => {
    await closeStores();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a URL once per process and reuses it', () => {
    expect(openStore('memory://')).toBe(openStore('memory://'));
    expect(openStore('memory://')).toBeInstanceOf(MemoryStore);
    expect(resolveStore('memory://')).toBe(openStore('memory://'));
  });

  it('sqlite://relative/path.db claims end to end and closeStores closes it', async () => {
    const url = `sqlite://${relative(process.cwd(), join(dir, 'rel.db'))}`;
    const store = openStore(url);
    expect(store).toBeInstanceOf(SqliteClaimStore);
    const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: url, now: () => NOW };
    const token = hsToken();
    await expect(claimToken(token, options)).resolves.toBeDefined();
    await expect(claimToken(token, options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
    await closeStores();
    expect(openStore(url)).not.toBe(store); // reopened after closeStores
    await expect(claimToken(token, { ...options })).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
  });

  it('sqlite:///absolute/path.db works too', async () => {
    const store = openStore(`sqlite://${join(dir, 'abs.db')}`);
    expect(await store.claim('k', NOW + 1000, NOW)).toBe(true);
    expect(await store.claim('k', NOW + 1000, NOW)).toBe(false);
  });

  it('refuses unknown schemes and malformed URLs without repeating a password', () => {
    expect(() => openStore('mongodb://u:p@host/db')).toThrow(ConfigError);
    expect(() => openStore('nonsense')).toThrow(/memory:\/\/, sqlite/);
    expect(() => openStore('sqlite://')).toThrow(/file path/);
    let message = '';
    try {
      openStore('redis://user:hunter2@:bad:port');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/malformed/);
    expect(message).not.toContain('hunter2');
  });

  it('refuses a Keyv adapter with no atomic claim, unless allowNonAtomicStore', async () => {
    const keyv = otherAdapter();
    expect(() => createClaimer({ secret: HS_SECRET, algorithms: ['HS256'], store: keyv })).toThrow(/allowNonAtomicStore/);
    expect(resolveStore(keyv, { allowNonAtomicStore: true })).toBeInstanceOf(KeyvLockedStore);
    expect(() => resolveStore(keyv)).toThrow(ConfigError);
    const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: keyv, allowNonAtomicStore: true };
    const now = Date.now();
    const t = hsToken({ iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 300 });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => claimToken(t, options)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('JWT_ONCE_STORE feeds the store', () => {
    expect(optionsFromEnv({ JWT_ONCE_SECRET: HS_SECRET, JWT_ONCE_STORE: 'sqlite://x.db' }).store).toBe('sqlite://x.db');
    expect(optionsFromEnv({ JWT_ONCE_SECRET: HS_SECRET }).store).toBeUndefined();
  });
});
