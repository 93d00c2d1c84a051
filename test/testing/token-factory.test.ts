import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  claimToken,
  ConfigError,
  ExpiredTokenError,
  InvalidTokenError,
  MemoryStore,
  ReusedTokenError,
  type ClaimOptions,
} from '../../src/index.js';
import { createTestClock, createTokenFactory } from '../../src/testing/index.js';

const SECRET = 'token-factory-test-secret-0123456789abcdef0123456789abcdef0123456';

describe('createTokenFactory', () => {
  it("signs tokens the app's own options accept (algorithm, secret, iss, aud, sub, clock), each usable once", async () => {
    const clock = createTestClock();
    const options: ClaimOptions = {
      secret: SECRET,
      algorithms: ['HS384', 'HS256'],
      issuer: ['https://idp.example', 'https://other.example'],
      audience: [/^api:/, 'https://api.example'],
      subject: 'alice',
      store: new MemoryStore(),
      now: clock.now,
    };
    const sign = createTokenFactory(options);
    const token = sign({ role: 'admin' });
    const { header, payload } = jwt.decode(token, { complete: true })!;
    expect(header).toEqual({ alg: 'HS384', typ: 'JWT' });
    expect(payload).toEqual({
      iat: clock.seconds(),
      exp: clock.seconds() + 300,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iss: 'https://idp.example',
      aud: 'https://api.example',
      sub: 'alice',
      role: 'admin',
    });
    await expect(claimToken(token, options)).resolves.toMatchObject({ payload: { role: 'admin' } });
    await expect(claimToken(token, options)).rejects.toBeInstanceOf(ReusedTokenError);
    await expect(claimToken(sign(), options)).resolves.toBeDefined(); // a new token: a new jti, a first use
  });

  it('gives every token its own jti (2,000 tokens)', () => {
    const sign = createTokenFactory({ secret: SECRET, algorithms: ['HS256'] });
    const jtis = new Set(Array.from({ length: 2000 }, () => (jwt.decode(sign()) as { jti: string }).jti));
    expect(jtis.size).toBe(2000);
  });

  it('dates tokens by the clock it is given: expiresIn later, the app refuses them as expired', async () => {
    const clock = createTestClock();
    const options = { secret: SECRET, algorithms: ['HS256'] as const, store: new MemoryStore(), now: clock.now };
    const sign = createTokenFactory({ ...options, expiresIn: 60 });
    const token = sign();
    clock.advance(60_000);
    await expect(claimToken(token, options)).rejects.toBeInstanceOf(ExpiredTokenError);
    await expect(claimToken(sign(), options)).resolves.toBeDefined(); // signed at the new time
  });

  it('signs RS256 and ES256 with the private `key`, with a `kid`; the app verifies with the public key or a kid lookup', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const store = new MemoryStore();
    const rsOptions = { secret: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string, algorithms: ['RS256'] as const, store };
    await expect(claimToken(createTokenFactory({ ...rsOptions, key: rsa.privateKey })(), rsOptions)).resolves.toBeDefined();
    const byKid = {
      secret: (header: { kid?: string }) => (header.kid === 'ec-1' ? ec.publicKey : rsa.publicKey),
      algorithms: ['ES256'] as const,
      store,
    };
    const token = createTokenFactory({ ...byKid, key: ec.privateKey, keyId: 'ec-1' })();
    expect(jwt.decode(token, { complete: true })!.header).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'ec-1' });
    await expect(claimToken(token, byKid)).resolves.toBeDefined();
  });

  it('signs with a secret given as bytes, and leaves out a claim given as undefined', async () => {
    const bytes = new TextEncoder().encode(SECRET);
    const options = { secret: bytes, algorithms: ['HS256'] as const, store: new MemoryStore() };
    const sign = createTokenFactory(options);
    await expect(claimToken(sign(), options)).resolves.toBeDefined();
    expect(jwt.decode(sign({ jti: undefined }))).not.toHaveProperty('jti');
    await expect(claimToken(sign({ exp: undefined }), options)).rejects.toBeInstanceOf(InvalidTokenError); // no usable expiry
  });

  it.each([
    ['no algorithm', { secret: SECRET }, /`algorithm` or a non-empty `algorithms`/],
    ['`none`', { secret: SECRET, algorithm: 'none' }, /not `none`/],
    [
      'a public key and no `key`',
      { secret: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', algorithms: ['ES256'] },
      /needs `key` to sign ES256/,
    ],
    ['an HMAC secret for RS256 and no `key`', { secret: SECRET, algorithms: ['RS256'] }, /needs `key` to sign RS256/],
    ['a key lookup and no `key`', { secret: () => SECRET, algorithms: ['HS256'] }, /a key lookup cannot sign/],
    [
      'only regular expressions as audience',
      { secret: SECRET, algorithms: ['HS256'], audience: /^api:/ },
      /give the `aud` to sign in `claims`/,
    ],
    ['a signing key that is no private key', { secret: 'x', key: 'not a PEM', algorithms: ['RS256'] }, /`key` must be the private key/],
    [
      'a public KeyObject as `key`',
      { secret: 'x', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, algorithms: ['ES256'] },
      /`key` is a public key/,
    ],
    ['EdDSA (jsonwebtoken cannot sign it)', { secret: 'x', algorithms: ['EdDSA'] }, /has no EdDSA/],
    ['a non-finite expiresIn', { secret: SECRET, algorithms: ['HS256'], expiresIn: Number.NaN }, /expiresIn must be a finite number/],
  ] as const)('throws a ConfigError at creation for %s', (_, options, message) => {
    expect(() => createTokenFactory(options as Parameters<typeof createTokenFactory>[0])).toThrow(ConfigError);
    expect(() => createTokenFactory(options as Parameters<typeof createTokenFactory>[0])).toThrow(message);
  });
});
