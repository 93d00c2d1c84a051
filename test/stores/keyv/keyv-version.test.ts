import Keyv from 'keyv';
// keyv 6 (aliased dev dependency `keyv6`) declares Node >= 22 but loads on Node 20, from CommonJS too: a real instance.
import { Keyv as Keyv6, KeyvBridgeAdapter, KeyvMemoryAdapter } from 'keyv6';
import { claimToken, ConfigError, createClaimer, resolveStore } from '../../../src/index.js';
import { HS_SECRET } from '../../helpers/tokens.js';

const SUPPORTED = /keyv 5\.6\+ with @keyv\/redis 5, @keyv\/sqlite 4 or @keyv\/postgres 2/;

function refusal(store: unknown): ConfigError {
  try {
    createClaimer({ secret: HS_SECRET, algorithms: ['HS256'], store: store as never });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('ERR_JWT_ONCE_CONFIG');
    return err as ConfigError;
  }
  throw new Error('createClaimer accepted the store');
}

describe('Keyv 6 is refused at creation, naming the supported versions', () => {
  it('a Keyv 6 instance (its default memory adapter)', () => {
    const keyv6 = new Keyv6();
    expect(refusal(keyv6).message).toMatch(SUPPORTED);
    // Even with allowNonAtomicStore: a Keyv 6 is not locked-claimed under a key Keyv 6 would not read.
    expect(() => resolveStore(keyv6 as never, { allowNonAtomicStore: true })).toThrow(SUPPORTED);
  });

  it('a Keyv 6 instance over a Map (wrapped by Keyv 6 in its own adapter)', () => {
    expect(refusal(new Keyv6(new Map() as never)).message).toMatch(/Keyv 6 or later/);
  });

  it('a Keyv 6 storage adapter passed as `store`', () => {
    expect(refusal(new KeyvMemoryAdapter(new Map())).message).toMatch(SUPPORTED);
    expect(refusal(new KeyvBridgeAdapter(new Map() as never)).message).toMatch(/Keyv 6 storage adapter/);
  });

  it('a Keyv 5 over a Keyv 6 storage adapter', () => {
    const mixed = new Keyv(new KeyvMemoryAdapter(new Map()) as never);
    expect(refusal(mixed).message).toMatch(/Keyv over a Keyv 6 storage adapter.*keyv 5\.6\+/);
    expect(() => resolveStore(mixed, { allowNonAtomicStore: true })).toThrow(SUPPORTED);
  });

  it('claimToken refuses it too, before any claim', async () => {
    await expect(claimToken('a.b.c', { secret: HS_SECRET, algorithms: ['HS256'], store: new Keyv6() as never })).rejects.toThrow(SUPPORTED);
  });

  it('Keyv 5 stores are still accepted', () => {
    expect(() => resolveStore(new Keyv())).not.toThrow();
  });
});
