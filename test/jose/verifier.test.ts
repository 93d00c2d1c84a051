import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { claimToken, ConfigError, createClaimer, MemoryStore, type ClaimOptions, type TokenVerifier } from '../../src/index.js';
import { joseVerifier } from '../../src/jose/index.js';
import { HS_SECRET, NOW, NOW_S, rsaKeys, ecKeys, signWith } from '../helpers/tokens.js';

/** Both verifiers, on the same options: jsonwebtoken (no `verifier`) and jose. */
const VERIFIERS: Array<[name: string, verifier: TokenVerifier | undefined]> = [
  ['jsonwebtoken', undefined],
  ['jose', joseVerifier],
];

function withVerifier(options: ClaimOptions, verifier: TokenVerifier | undefined): ClaimOptions {
  return verifier === undefined ? options : { ...options, verifier };
}

/** `{ code, status, message }` of a refusal, or 'passed'. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'passed',
    (err: { code?: unknown; status?: unknown; message?: unknown }) => ({ code: err.code, status: err.status, message: err.message }),
  );
}

/** An HS256 token signed by hand: jsonwebtoken's sign refuses some of the payloads tested here. */
function hs256(payload: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', HS_SECRET).update(input).digest('base64url')}`;
}

const ed = generateKeyPairSync('ed25519');
const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function edToken(claims: Record<string, unknown> = {}, key: KeyObject = ed.privateKey, alg = 'EdDSA'): Promise<string> {
  return new SignJWT({ iat: NOW_S, exp: NOW_S + 300, ...claims }).setProtectedHeader({ alg }).sign(key);
}

/** jose-verified options for the Ed25519 key, on a fresh memory store. */
function edOptions(alg: 'EdDSA' | 'Ed25519' = 'EdDSA'): ClaimOptions {
  return { secret: edPem, algorithms: [alg], verifier: joseVerifier, store: new MemoryStore(), now: () => NOW };
}

describe('joseVerifier: EdDSA, which jsonwebtoken has not', () => {
  it('lets an EdDSA token through once and refuses its replay (401, ERR_JWT_ONCE_REUSED)', async () => {
    const options = edOptions();
    const token = await edToken({ sub: 'device-1', jti: 'ed-1' });
    const claim = await claimToken(token, options);
    expect(claim.payload.sub).toBe('device-1');
    expect(claim.header.alg).toBe('EdDSA');
    expect(await outcome(claimToken(token, options))).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED', status: 401 });
  });

  it('accepts the RFC 9864 name Ed25519 as well', async () => {
    const options = edOptions('Ed25519');
    expect(await outcome(claimToken(await edToken({}, ed.privateKey, 'Ed25519'), options))).toBe('passed');
  });

  it('lets one of 1,000 concurrent presentations of an EdDSA token through', async () => {
    const options = edOptions();
    const token = await edToken();
    const results = await Promise.all(Array.from({ length: 1000 }, () => outcome(claimToken(token, options))));
    expect(results.filter((r) => r === 'passed')).toHaveLength(1);
    expect(results.filter((r) => (r as { code?: string }).code === 'ERR_JWT_ONCE_REUSED')).toHaveLength(999);
  });

  it('refuses an EdDSA token signed by another key (invalid signature)', async () => {
    const other = generateKeyPairSync('ed25519');
    const options = edOptions();
    expect(await outcome(claimToken(await edToken({}, other.privateKey), options))).toEqual({
      code: 'ERR_JWT_ONCE_INVALID',
      status: 401,
      message: 'The token is invalid: invalid signature',
    });
  });

  it('without a verifier, EdDSA is a ConfigError at creation that names joseVerifier', () => {
    expect(() => createClaimer({ secret: edPem, algorithms: ['EdDSA'] })).toThrow(ConfigError);
    expect(() => createClaimer({ secret: edPem, algorithms: ['EdDSA'] })).toThrow(/joseVerifier/);
  });

  it('refuses a RegExp audience (jsonwebtoken only) and a verifier that is not one, at creation', () => {
    const base = { secret: HS_SECRET, algorithms: ['HS256'] } as const;
    expect(() => createClaimer({ ...base, audience: /api/, verifier: joseVerifier })).toThrow(/RegExp/);
    expect(() => createClaimer({ ...base, audience: ['api', /v2/], verifier: joseVerifier })).toThrow(ConfigError);
    expect(() => createClaimer({ ...base, verifier: 'jose' as unknown as TokenVerifier })).toThrow(/TokenVerifier/);
    expect(() => createClaimer({ ...base, verifier: {} as TokenVerifier })).toThrow(ConfigError);
  });
});

describe('the same token through jsonwebtoken and jose', () => {
  const rsa = rsaKeys();
  const ec = ecKeys();
  const KEYS: Array<[alg: jwt.Algorithm, sign: (claims: Record<string, unknown>) => string, secret: string]> = [
    ['HS256', (c) => jwt.sign({ iat: NOW_S, exp: NOW_S + 300, ...c }, HS_SECRET, { algorithm: 'HS256' }), HS_SECRET],
    ['RS256', (c) => signWith(rsa.privateKey, 'RS256', c), rsa.publicPem],
    ['PS256', (c) => signWith(rsa.privateKey, 'PS256', c), rsa.publicPem],
    ['ES256', (c) => signWith(ec.privateKey, 'ES256', c), ec.publicPem],
  ];

  it.each(KEYS)('%s: one replay key, so a token claimed through one verifier is a replay through the other', async (alg, sign, secret) => {
    for (const claims of [{ jti: `same-${alg}`, iss: 'https://id.example' }, {}]) {
      const store = new MemoryStore();
      const base: ClaimOptions = { secret, algorithms: [alg], store, now: () => NOW };
      const token = sign(claims);
      const first = await claimToken(token, base);
      const second = await outcome(claimToken(token, withVerifier(base, joseVerifier)));
      expect(second).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
      // And the key jose derives on a fresh store is the one jsonwebtoken's claim used.
      const viaJose = await claimToken(token, { ...base, store: new MemoryStore(), verifier: joseVerifier });
      expect(viaJose.key).toBe(first.key);
      expect(viaJose.expiresAt).toEqual(first.expiresAt);
      expect(viaJose.payload).toEqual(first.payload);
    }
  });

  // Every refusal jsonwebtoken gives, with the options that cause it: jose must give the same code, status and text.
  const refusals: Array<[what: string, claims: Record<string, unknown>, options: Partial<ClaimOptions>]> = [
    ['expired', { exp: NOW_S - 10 }, {}],
    ['expired within clockTolerance passes', { exp: NOW_S - 10 }, { clockTolerance: 30 }],
    ['not yet valid (nbf)', { nbf: NOW_S + 60 }, {}],
    ['nbf within clockTolerance passes', { nbf: NOW_S + 20 }, { clockTolerance: 30 }],
    ['wrong issuer', { iss: 'https://evil.example' }, { issuer: 'https://id.example' }],
    ['issuer in a list', { iss: 'https://b.example' }, { issuer: ['https://a.example', 'https://b.example'] }],
    ['wrong audience', { aud: 'other' }, { audience: 'api' }],
    ['audience in a list', { aud: ['x', 'api'] }, { audience: ['api', 'y'] }],
    ['no audience when one is expected', {}, { audience: 'api' }],
    ['wrong subject', { sub: 'bob' }, { subject: 'alice' }],
    ['older than maxAge', { iat: NOW_S - 120 }, { maxAge: 60 }],
    ['within maxAge passes', { iat: NOW_S - 30 }, { maxAge: 60 }],
    ['exp not a number', { exp: 'soon' }, {}],
    ['nbf not a number', { nbf: 'later' }, {}],
    ['iat missing with maxAge', { iat: undefined }, { maxAge: 60 }],
  ];

  it.each(refusals)('%s: the same outcome, code and client text', async (_what, claims, extra) => {
    const token = hs256({ iat: NOW_S, exp: NOW_S + 300, ...claims });
    const results = [];
    for (const [, verifier] of VERIFIERS) {
      const options = withVerifier(
        { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra },
        verifier,
      );
      results.push(await outcome(claimToken(token, options)));
    }
    expect(results[1]).toEqual(results[0]);
  });

  it.each([
    ['a bad signature', () => jwt.sign({ exp: NOW_S + 60 }, 'another-secret-that-is-long-enough-for-hs256', { algorithm: 'HS256' })],
    ['an algorithm not allowed', () => jwt.sign({ exp: NOW_S + 60 }, HS_SECRET + HS_SECRET, { algorithm: 'HS512' })],
    ['a malformed token', () => 'not.a-token'],
    ['a token of two parts', () => 'eyJhbGciOiJIUzI1NiJ9.e30'],
    ['an unsigned token (alg none)', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`],
  ])('%s: the same code and status through both', async (_what, make) => {
    const results = [];
    for (const [, verifier] of VERIFIERS) {
      const options = withVerifier({ secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW }, verifier);
      const { code, status } = (await outcome(claimToken(make(), options))) as { code: unknown; status: unknown };
      results.push({ code, status });
    }
    expect(results[0]).toMatchObject({ status: 401 });
    expect(results[1]).toEqual(results[0]);
  });

  it('a verifier that throws something else is a 401 with a fixed text, never its message', async () => {
    const broken: TokenVerifier = {
      name: 'broken',
      algorithms: [],
      verify: () => Promise.reject(new Error('secret detail: https://internal.example/keys')),
    };
    const options: ClaimOptions = { secret: HS_SECRET, algorithms: ['HS256'], verifier: broken, store: new MemoryStore(), now: () => NOW };
    const token = jwt.sign({ exp: NOW_S + 60 }, HS_SECRET, { algorithm: 'HS256' });
    expect(await outcome(claimToken(token, options))).toEqual({
      code: 'ERR_JWT_ONCE_INVALID',
      status: 401,
      message: 'The token is invalid',
    });
  });
});
