import Keyv from 'keyv';
import { jwtOnce as expressJwtOnce } from '../../adapters/express/index.js';
import { jwtOnce as honoJwtOnce } from '../../adapters/hono/index.js';
import { jwtOnce as koaJwtOnce } from '../../adapters/koa/index.js';
import {
  claimToken,
  ConfigError,
  createClaimer,
  createRequestGuard,
  createVerifiedClaimer,
  MemoryStore,
  RedisClaimStore,
  SqliteClaimStore,
} from '../../src/index.js';
import { closestName } from '../../src/option-checks.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

const base = { secret: HS_SECRET, algorithms: ['HS256'] as const, store: new MemoryStore(), now: () => NOW };
const ADAPTERS = [
  ['Express', expressJwtOnce],
  ['Koa', koaJwtOnce],
  ['Hono', honoJwtOnce],
] as Array<[string, (options: object) => unknown]>;

/** Runs `create` and returns the ConfigError it throws (fails the test when it throws nothing else). */
function configErrorOf(create: () => unknown): ConfigError {
  try {
    create();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

// Not finite, or not a number at all (`Number(process.env.X)` gives NaN; `process.env.X` a string).
const BAD_NUMBERS: Array<[unknown, RegExp]> = [
  [Number.NaN, /got NaN/],
  [Number.POSITIVE_INFINITY, /got Infinity/],
  [Number.NEGATIVE_INFINITY, /got -Infinity/],
  ['30', /got a string \("30"\)/],
];

describe('numeric options: NaN, Infinity and strings are refused at creation', () => {
  const CLAIM_NUMBERS = ['clockTolerance', 'maxAge', 'maxTtl', 'maxTokenLength', 'storeTimeout'];

  describe.each(CLAIM_NUMBERS)('%s', (name) => {
    it.each(BAD_NUMBERS)('refuses %p in every claimer and adapter', (value, says) => {
      for (const create of [
        () => createClaimer({ ...base, [name]: value }),
        () => createVerifiedClaimer({ store: base.store, [name]: value }),
        ...ADAPTERS.map(
          ([, jwtOnce]) =>
            () =>
              jwtOnce({ ...base, [name]: value }),
        ),
      ]) {
        const err = configErrorOf(create);
        expect(err.message).toContain(`\`${name}\``);
        expect(err.message).toMatch(says);
      }
    });

    it('accepts a finite number', () => {
      expect(() => createClaimer({ ...base, [name]: 60 })).not.toThrow();
    });
  });

  const pending = new Promise<Keyv>(() => undefined); // never opened: only the option checks run
  const STORE_NUMBERS: Array<[string, (value: unknown) => unknown]> = [
    ['MemoryStore maxEntries', (v) => new MemoryStore({ maxEntries: v as number }).close()],
    ['MemoryStore sweepInterval', (v) => new MemoryStore({ sweepInterval: v as number }).close()],
    ['SqliteClaimStore busyTimeout', (v) => new SqliteClaimStore(pending, { busyTimeout: v as number })],
    ['SqliteClaimStore purgeInterval', (v) => new SqliteClaimStore(pending, { purgeInterval: v as number })],
    ['SqliteClaimStore purgeBatchSize', (v) => new SqliteClaimStore(pending, { purgeBatchSize: v as number })],
    ['SqliteClaimStore maxBatchSize', (v) => new SqliteClaimStore(pending, { maxBatchSize: v as number })],
    ['RedisClaimStore commandTimeout', (v) => new RedisClaimStore(pending, { commandTimeout: v as number })],
  ];

  describe.each(STORE_NUMBERS)('%s', (name, create) => {
    it.each(BAD_NUMBERS)('refuses %p', (value, says) => {
      const err = configErrorOf(() => create(value));
      expect(err.message).toContain(name);
      expect(err.message).toMatch(says);
    });

    it('accepts a finite number', () => {
      expect(() => create(100)).not.toThrow();
    });
  });
});

describe('unknown option names are refused with the closest known name', () => {
  it('a mistyped claim option: `audiance` would leave the audience unchecked', async () => {
    const err = configErrorOf(() => createClaimer({ ...base, audiance: 'https://api.example' } as never));
    expect(err.message).toMatch(/unknown claim option `audiance` \(did you mean `audience`\?\)/);
    await expect(claimToken(hsToken({ aud: 'other' }), { ...base, audiance: 'x' } as never)).rejects.toBeInstanceOf(ConfigError);
    // Spelled right, the audience is checked.
    await expect(claimToken(hsToken({ aud: 'other' }), { ...base, audience: 'https://api.example' })).rejects.toMatchObject({
      code: 'ERR_JWT_ONCE_INVALID',
    });
  });

  it('names every unknown option, suggests only near names, and checks verified-claimer options too', () => {
    const err = configErrorOf(() => createClaimer({ ...base, maxTTL: 60, issuers: 'x', frobnicate: true } as never));
    expect(err.message).toMatch(/`maxTTL` \(did you mean `maxTtl`\?\)/);
    expect(err.message).toMatch(/`issuers` \(did you mean `issuer`\?\)/);
    expect(err.message).toMatch(/`frobnicate`(?! \(did)/);
    expect(configErrorOf(() => createVerifiedClaimer({ storeTimout: 5 } as never)).message).toMatch(/did you mean `storeTimeout`/);
  });

  it.each(ADAPTERS)('%s: guard and adapter option names count as known, typos do not', (_name, jwtOnce) => {
    expect(() =>
      jwtOnce({ ...base, getToken: () => undefined, cookie: 'c', scope: 's', releaseOnError: true, onError: () => undefined }),
    ).not.toThrow();
    expect(configErrorOf(() => jwtOnce({ ...base, getTokn: () => undefined })).message).toMatch(
      /unknown jwtOnce option `getTokn` \(did you mean `getToken`\?\)/,
    );
    expect(configErrorOf(() => jwtOnce({ ...base, onErorr: () => undefined })).message).toMatch(/did you mean `onError`/);
    expect(configErrorOf(() => jwtOnce({ ...base, audiance: 'x' })).message).toMatch(/did you mean `audience`/);
  });

  it('a guard without the adapter names refuses onError like any other unknown name', () => {
    expect(configErrorOf(() => createRequestGuard({ ...base, onError: () => undefined } as never, {})).message).toMatch(/`onError`/);
    expect(() => createRequestGuard({ ...base, onError: () => undefined } as never, {}, ['onError'])).not.toThrow();
  });

  it('suggests by edit distance, ignoring case', () => {
    expect(closestName('ALGORITHMS', ['algorithms', 'secret'])).toBe('algorithms');
    expect(closestName('clockTolarence', ['clockTolerance', 'maxAge'])).toBe('clockTolerance');
    expect(closestName('sceop', ['scope', 'store'])).toBe('scope');
    expect(closestName('xyz', ['scope', 'store'])).toBeUndefined();
  });
});
