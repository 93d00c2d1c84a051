import jwt from 'jsonwebtoken';
import {
  claimToken,
  CLAIM_MARGIN_MS,
  createClaimer,
  ExpiredTokenError,
  InvalidTokenError,
  JwtOnceError,
  MemoryStore,
  MissingTokenError,
  ReusedTokenError,
  StoreError,
  type ClaimOptions,
  type ClaimStore,
} from '../../src/index.js';
import { ecKeys, highSSpelling, HS_SECRET, hsToken, NOW, NOW_S, rsaKeys, signWith, trailingBitSpellings } from '../helpers/tokens.js';
import { codeOf } from '../helpers/outcome.js';

function options(extra: Partial<ClaimOptions> = {}): ClaimOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

describe('claimToken', () => {
  it('lets the first presentation through with the payload, key and expiry', async () => {
    const token = hsToken({ sub: 'alice' }, 600);
    const claim = await claimToken(token, options());
    expect(claim.payload.sub).toBe('alice');
    expect(claim.key).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(claim.expiresAt.getTime()).toBe((NOW_S + 600) * 1000 + CLAIM_MARGIN_MS);
    expect(claim.header.alg).toBe('HS256');
  });

  it('refuses every later presentation as reused (401)', async () => {
    const opts = options();
    const token = hsToken();
    await claimToken(token, opts);
    const err = await claimToken(token, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReusedTokenError);
    expect(err).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED', status: 401 });
    expect(await codeOf(claimToken(token, opts))).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('lets exactly one of 1,000 concurrent presentations through', async () => {
    const opts = options();
    const token = hsToken();
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => claimToken(token, opts)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => r.reason instanceof ReusedTokenError)).toBe(true);
  });

  it('uses one process-wide memory store when none is named', async () => {
    const token = hsToken();
    await claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW });
    // A different options object, still no store: same default store, so a replay.
    expect(await codeOf(claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], now: () => NOW }))).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('reports a missing token as ERR_JWT_ONCE_MISSING', async () => {
    const err = await claimToken('', options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingTokenError);
    expect(err).toMatchObject({ status: 401 });
    expect(await codeOf(claimToken(undefined, options()))).toBe('ERR_JWT_ONCE_MISSING');
  });

  it.each([
    ['a bad signature', () => hsToken({}, 300, 'another-secret-entirely-0123456789')],
    ['a malformed token', () => 'not.a.jwt'],
    ['two segments', () => hsToken().split('.').slice(0, 2).join('.')],
  ])('refuses %s as invalid and claims nothing', async (_name, make) => {
    const store = new MemoryStore();
    const err = await claimToken(make(), options({ store })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(store.size).toBe(0);
  });

  it('refuses a token whose algorithm is not listed', async () => {
    const token = jwt.sign({ exp: NOW_S + 60 }, HS_SECRET, { algorithm: 'HS512' });
    expect(await codeOf(claimToken(token, options()))).toBe('ERR_JWT_ONCE_INVALID');
  });

  it('refuses an unsigned (alg none) token', async () => {
    const token = jwt.sign({ exp: NOW_S + 60 }, '', { algorithm: 'none' });
    expect(await codeOf(claimToken(token, options()))).toBe('ERR_JWT_ONCE_INVALID');
  });

  it('checks issuer, audience and subject', async () => {
    const opts = options({ issuer: 'https://id.example', audience: 'payments', subject: 'alice' });
    expect(await codeOf(claimToken(hsToken({ iss: 'https://evil.example', aud: 'payments', sub: 'alice' }), opts))).toBe(
      'ERR_JWT_ONCE_INVALID',
    );
    expect(await codeOf(claimToken(hsToken({ iss: 'https://id.example', aud: 'other', sub: 'alice' }), opts))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await codeOf(claimToken(hsToken({ iss: 'https://id.example', aud: 'payments', sub: 'bob' }), opts))).toBe(
      'ERR_JWT_ONCE_INVALID',
    );
    expect(await codeOf(claimToken(hsToken({ iss: 'https://id.example', aud: 'payments', sub: 'alice' }), opts))).toBe('passed');
  });

  it('refuses an expired token as expired without claiming it', async () => {
    const store = new MemoryStore();
    const token = hsToken({}, 60);
    const err = await claimToken(token, options({ store, now: () => NOW + 61_000 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpiredTokenError);
    expect(store.size).toBe(0);
  });

  it('holds a claim through the clock-tolerance window, so a late replay is still refused', async () => {
    const store = new MemoryStore();
    const token = hsToken({}, 60);
    let now = NOW + 65_000; // expired 5 s ago, inside a 10 s tolerance
    const opts = options({ store, clockTolerance: 10, now: () => now });
    const claim = await claimToken(token, opts);
    expect(claim.expiresAt.getTime()).toBe((NOW_S + 70) * 1000 + CLAIM_MARGIN_MS);
    now = NOW + 69_999; // last millisecond the verifier accepts it
    expect(await codeOf(claimToken(token, opts))).toBe('ERR_JWT_ONCE_REUSED');
    now = NOW + 70_000;
    expect(await codeOf(claimToken(token, opts))).toBe('ERR_JWT_ONCE_EXPIRED');
  });

  it('refuses a token without exp unless maxAge bounds it', async () => {
    const noExp = jwt.sign({ iat: NOW_S - 10, sub: 'x' }, HS_SECRET, { algorithm: 'HS256' });
    const err = await claimToken(noExp, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as Error).message).toMatch(/no exp/);
    const claim = await claimToken(noExp, options({ maxAge: 60 }));
    expect(claim.expiresAt.getTime()).toBe((NOW_S - 10 + 60) * 1000 + CLAIM_MARGIN_MS);
  });

  it('bounds the claim by maxAge when it ends before exp', async () => {
    const claim = await claimToken(hsToken({}, 3600), options({ maxAge: 120 }));
    expect(claim.expiresAt.getTime()).toBe((NOW_S + 120) * 1000 + CLAIM_MARGIN_MS);
  });

  it('refuses a token that lives longer than maxTtl', async () => {
    expect(await codeOf(claimToken(hsToken({}, 2 * 86_400), options()))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await codeOf(claimToken(hsToken({}, 2 * 86_400), options({ maxTtl: 3 * 86_400 })))).toBe('passed');
  });

  it('runs validate before the claim: a refusal leaves the token usable', async () => {
    const store = new MemoryStore();
    const token = hsToken({ sub: 'alice' });
    let databaseUp = false;
    const opts = options({
      store,
      validate: async (payload) => {
        if (!databaseUp) throw new Error('database unavailable');
        return payload.sub === 'alice';
      },
    });
    const err = await claimToken(token, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as Error).cause).toEqual(new Error('database unavailable'));
    expect(store.size).toBe(0);
    databaseUp = true;
    expect((await claimToken(token, opts)).payload.sub).toBe('alice');
    expect(await codeOf(claimToken(token, opts))).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('treats validate returning false as a refusal, and keeps a JwtOnceError it throws', async () => {
    const token = hsToken();
    expect(await codeOf(claimToken(token, options({ validate: () => false })))).toBe('ERR_JWT_ONCE_INVALID');
    const storeDown = options({
      validate: () => {
        throw new StoreError('user db down');
      },
    });
    expect(await codeOf(claimToken(token, storeDown))).toBe('ERR_JWT_ONCE_STORE');
  });

  it('partitions the replay space by scope', async () => {
    const store = new MemoryStore();
    const token = hsToken();
    const pay = await claimToken(token, options({ store, scope: 'pay' }));
    const refund = await claimToken(token, options({ store, scope: 'refund' }));
    expect(pay.key).not.toBe(refund.key);
    expect(await codeOf(claimToken(token, options({ store, scope: 'pay' })))).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('keys tokens with a jti by (iss, jti): a re-signed copy of one assertion is a replay', async () => {
    const opts = options();
    const first = hsToken({ iss: 'client-1', jti: 'abc' });
    const resigned = hsToken({ iss: 'client-1', jti: 'abc', extra: true });
    expect((await claimToken(first, opts)).key).toBe('jti:8:client-1:abc');
    expect(await codeOf(claimToken(resigned, opts))).toBe('ERR_JWT_ONCE_REUSED');
    // The same jti from another issuer is another token.
    expect(await codeOf(claimToken(hsToken({ iss: 'client-2', jti: 'abc' }), opts))).toBe('passed');
  });

  it('refuses a jti that is not a short string', async () => {
    expect(await codeOf(claimToken(hsToken({ jti: 42 }), options()))).toBe('ERR_JWT_ONCE_INVALID');
    expect(await codeOf(claimToken(hsToken({ jti: 'x'.repeat(257) }), options()))).toBe('ERR_JWT_ONCE_INVALID');
  });

  it('release() gives the token back once, and only its own claim', async () => {
    const store = new MemoryStore();
    const opts = options({ store });
    const token = hsToken();
    const claim = await claimToken(token, opts);
    await claim.release();
    const again = await claimToken(token, opts);
    await claim.release(); // idempotent: must not drop the new claim
    expect(await codeOf(claimToken(token, opts))).toBe('ERR_JWT_ONCE_REUSED');
    expect(again.key).toBe(claim.key);
  });

  it('refuses every other spelling of an RS256 signature after the first use', async () => {
    const keys = rsaKeys();
    const opts = options({ secret: keys.publicPem, algorithms: ['RS256'] });
    const token = signWith(keys.privateKey, 'RS256');
    const spellings = trailingBitSpellings(token);
    expect(spellings.length).toBeGreaterThan(0);
    // Each spelling verifies on its own...
    for (const s of spellings) expect(() => jwt.verify(s, keys.publicKey, { algorithms: ['RS256'], clockTimestamp: NOW_S })).not.toThrow();
    await claimToken(token, opts);
    // ...and each is refused as the same token.
    for (const s of spellings) expect(await codeOf(claimToken(s, opts))).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('refuses the high-s and re-spelled forms of an ES256 signature after the first use', async () => {
    const keys = ecKeys();
    const opts = options({ secret: keys.publicPem, algorithms: ['ES256'] });
    const token = signWith(keys.privateKey, 'ES256');
    const highS = highSSpelling(token);
    expect(highS).not.toBe(token);
    expect(() => jwt.verify(highS, keys.publicKey, { algorithms: ['ES256'], clockTimestamp: NOW_S })).not.toThrow();
    await claimToken(token, opts);
    for (const s of [highS, ...trailingBitSpellings(token), ...trailingBitSpellings(highS)]) {
      expect(await codeOf(claimToken(s, opts))).toBe('ERR_JWT_ONCE_REUSED');
    }
  });

  it('looks keys up by kid through a secret function', async () => {
    const keys = { k1: 'first-secret-0123456789abcdef0123', k2: 'second-secret-0123456789abcdef012' };
    const opts = options({ secret: async (header) => keys[header.kid as keyof typeof keys] ?? Promise.reject(new Error('unknown kid')) });
    const token = jwt.sign({ exp: NOW_S + 60 }, keys.k2, { algorithm: 'HS256', keyid: 'k2', noTimestamp: true });
    expect(await codeOf(claimToken(token, opts))).toBe('passed');
    const unknown = jwt.sign({ exp: NOW_S + 60 }, keys.k2, { algorithm: 'HS256', keyid: 'k9', noTimestamp: true });
    expect(await codeOf(claimToken(unknown, opts))).toBe('ERR_JWT_ONCE_INVALID');
  });

  it('fails closed with a 503 when the store throws', async () => {
    const broken: ClaimStore = {
      claim: async () => {
        throw new Error('ECONNREFUSED');
      },
      release: () => undefined,
    };
    const err = await claimToken(hsToken(), options({ store: broken })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'ERR_JWT_ONCE_STORE', status: 503 });
  });

  it('fails closed when the store does not answer in time, and releases a late win', async () => {
    let answer!: (won: boolean) => void;
    const released: string[] = [];
    const slow: ClaimStore = {
      claim: () =>
        new Promise<boolean>((resolve) => {
          answer = resolve;
        }),
      release: (key) => {
        released.push(key);
      },
    };
    const started = performance.now();
    const err = await claimToken(hsToken(), options({ store: slow, storeTimeout: 50 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(performance.now() - started).toBeLessThan(1000);
    answer(true);
    await new Promise((r) => setImmediate(r));
    expect(released).toHaveLength(1);
  });

  it('fails closed when a store answers something other than a boolean', async () => {
    const odd = { claim: async () => 'yes' as unknown as boolean, release: () => undefined };
    expect(await codeOf(claimToken(hsToken(), options({ store: odd })))).toBe('ERR_JWT_ONCE_STORE');
  });

  it('never puts the token in an error message', async () => {
    const token = hsToken({}, 60);
    const opts = options({ now: () => NOW + 120_000 });
    const errors = await Promise.all([
      claimToken(token, opts).then(
        () => new Error('passed'),
        (e: Error) => e,
      ),
      claimToken(token.slice(0, -3), options()).then(
        () => new Error('passed'),
        (e: Error) => e,
      ),
    ]);
    for (const err of errors) {
      expect(err).toBeInstanceOf(JwtOnceError);
      expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain(token.split('.')[2]!.slice(0, 20));
    }
  });

  it('calls onClaim and onReplay with the key and claims, never the token', async () => {
    const events: Array<[string, unknown]> = [];
    const opts = options({ onClaim: (e) => events.push(['claim', e]), onReplay: (e) => events.push(['replay', e]) });
    const token = hsToken({ iss: 'idp', sub: 'alice', jti: 'j1' });
    await claimToken(token, opts);
    await claimToken(token, opts).catch(() => undefined);
    expect(events).toEqual([
      ['claim', { key: 'jti:3:idp:j1', iss: 'idp', sub: 'alice', jti: 'j1', scope: '', request: undefined }],
      ['replay', { key: 'jti:3:idp:j1', iss: 'idp', sub: 'alice', jti: 'j1', scope: '', request: undefined }],
    ]);
  });
});

describe('hooks', () => {
  it('swallows a rejecting async hook instead of leaving an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const capture = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', capture);
    try {
      const opts = options({
        onClaim: async () => {
          throw new Error('metrics backend down');
        },
        onReplay: async () => {
          throw new Error('alerting down');
        },
      });
      const token = hsToken();
      expect(await codeOf(claimToken(token, opts))).toBe('passed');
      expect(await codeOf(claimToken(token, opts))).toBe('ERR_JWT_ONCE_REUSED');
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', capture);
    }
  });
});

describe('createClaimer misconfiguration', () => {
  it.each([
    ['no secret', { algorithms: ['HS256'] }, /secret.*required/],
    ['no algorithms', { secret: HS_SECRET }, /algorithms.*required/],
    ['empty algorithms', { secret: HS_SECRET, algorithms: [] }, /algorithms.*required/],
    [
      "algorithms: 'HS256' (a string)",
      { secret: HS_SECRET, algorithms: 'HS256' },
      /`algorithms` must be a non-empty array, e\.g\. \['HS256'\], got the string "HS256"/,
    ],
    ["'none'", { secret: HS_SECRET, algorithms: ['none'] }, /must not include 'none'/],
    ['an unknown algorithm', { secret: HS_SECRET, algorithms: ['HS999'] }, /unsupported algorithm/],
    ['mixed HMAC and RSA', { secret: HS_SECRET, algorithms: ['HS256', 'RS256'] }, /mixes HMAC/],
    ['a PEM key for HS256', { secret: rsaKeys().publicPem, algorithms: ['HS256'] }, /algorithm-confusion/],
    ['a shared secret for RS256', { secret: HS_SECRET, algorithms: ['RS256'] }, /need a PEM key/],
    ['a negative clockTolerance', { secret: HS_SECRET, algorithms: ['HS256'], clockTolerance: -1 }, /clockTolerance/],
    ['a store of the wrong kind', { secret: HS_SECRET, algorithms: ['HS256'], store: 42 }, /store/],
  ])('throws at creation on %s', (_name, opts, message) => {
    expect(() => createClaimer(opts as unknown as ClaimOptions)).toThrow(message);
    try {
      createClaimer(opts as unknown as ClaimOptions);
    } catch (err) {
      expect(err).toMatchObject({ code: 'ERR_JWT_ONCE_CONFIG' });
    }
  });
});
