import { createHmac, createSecretKey, KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import jwt from 'jsonwebtoken';
import { jwtOnce } from '../../adapters/express/index.js';
import {
  ConfigError,
  createClaimer,
  createRequestGuard,
  createVerifiedClaimer,
  InvalidTokenError,
  MemoryStore,
  type Algorithm,
  type ClaimOptions,
  type KeyInput,
  type VerifiedClaimOptions,
} from '../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { listen, withBearer } from '../helpers/http.js';
import { ecKeys, NOW, NOW_S, rsaKeys } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** 64 bytes: long enough for every HS* algorithm. */
const SECRET = 'hmac-secrets-test-0123456789abcdef0123456789abcdef0123456789abcd';
const rsa = rsaKeys();
const ec = ecKeys();
const PEM = rsa.publicPem;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Every spelling of a public key a server might load as an "HMAC secret" by mistake. */
const KEY_SHAPED: Array<[string, KeyInput]> = [
  ['the PEM string', PEM],
  ['Buffer("\\n" + PEM)', Buffer.from(`\n${PEM}`)],
  ['a BOM before the PEM (string)', `\uFEFF${PEM}`],
  ['a BOM before the PEM (Buffer)', Buffer.concat([BOM, Buffer.from(PEM)])],
  [
    'Bag Attributes lines before the PEM (openssl pkcs12)',
    `Bag Attributes\n    localKeyID: 01 00 00 00 \nsubject=/CN=api.example\nissuer=/CN=api.example\n${PEM}`,
  ],
  ['Buffer(" " + PEM)', Buffer.from(` ${PEM}`)],
  ['a PKCS#1 PEM after a comment line', `# api signing key\n${rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()}`],
  ['an EC PEM with CRLF line ends after a blank line', `\r\n${ec.publicPem.replace(/\n/g, '\r\n')}`],
  ['DER SPKI (RSA)', rsa.publicKey.export({ type: 'spki', format: 'der' })],
  ['DER PKCS#1 (RSA)', rsa.publicKey.export({ type: 'pkcs1', format: 'der' })],
  ['DER SPKI (EC)', ec.publicKey.export({ type: 'spki', format: 'der' })],
  ['a JWK (JSON text)', JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))],
  ['a secret KeyObject holding " " + PEM', createSecretKey(Buffer.from(` ${PEM}`))],
];

const bytesOf = (key: KeyInput): Buffer => (key instanceof KeyObject ? key.export() : Buffer.from(key as string | Uint8Array));

/** HS256 MACed with `key` (its exact bytes) by hand, as an attacker holding the public key would. */
function forge(key: KeyInput, claims: Record<string, unknown> = {}): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify({ iat: NOW_S, exp: NOW_S + 300, sub: 'mallory', ...claims }))}`;
  return `${input}.${createHmac('sha256', bytesOf(key)).update(input).digest('base64url')}`;
}

function options(extra: Partial<ClaimOptions> = {}): ClaimOptions {
  return { secret: SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

async function invalidTokenErrorOf(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  return err as InvalidTokenError;
}

describe('a public key given as the HMAC secret (algorithm confusion)', () => {
  it.each(KEY_SHAPED)('configured: %s is a ConfigError at creation', (_name, key) => {
    const err = configErrorOf(() => createClaimer(options({ secret: key })));
    expect(err.message).toMatch(/a public key was given as the HMAC \(HS\*\) secret .*algorithm-confusion/);
    // The opt-out for short secrets does not open this one.
    configErrorOf(() => createClaimer(options({ secret: key, allowShortHmacSecret: true })));
  });

  it.each(KEY_SHAPED)('via a resolver: %s makes a forged HS256 token a 401, nothing claimed', async (_name, key) => {
    const store = new MemoryStore();
    const claim = createClaimer(options({ secret: () => key, store }));
    const err = await invalidTokenErrorOf(claim(forge(key)));
    expect(err.status).toBe(401);
    expect(err.message).toBe('No usable key for this token');
    expect(String((err.cause as Error).message)).toMatch(/algorithm-confusion/);
    expect(store.size).toBe(0);
  });

  it('over HTTP: a resolver returning Buffer(" " + PEM) answers a forged token 401, without the key in the answer', async () => {
    const app = express();
    const once = jwtOnce({ secret: () => Buffer.from(` ${PEM}`), algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW });
    app.post('/x', once, (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(createServer(app));
    try {
      const res = await withBearer(`${server.url}/x`, forge(Buffer.from(` ${PEM}`)));
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'ERR_JWT_ONCE_INVALID', detail: 'No usable key for this token' });
      expect(body).not.toMatch(/BEGIN|PUBLIC KEY|algorithm-confusion/);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="No usable key for this token"');
    } finally {
      await server.close();
    }
  });

  it('control: a random 64-byte secret, and the PEM for RS256, still work', async () => {
    const claim = createClaimer(options());
    expect(await codeOf(claim(jwt.sign({ iat: NOW_S, exp: NOW_S + 60 }, SECRET, { algorithm: 'HS256' })))).toBe('passed');
    expect(await codeOf(claim(forge(PEM)))).toBe('ERR_JWT_ONCE_INVALID');
    // A PEM after a leading newline is still a usable public key for RS256.
    expect(() => createClaimer(options({ secret: `\n${PEM}`, algorithms: ['RS256'] }))).not.toThrow();
  });
});

describe('HMAC secrets shorter than the hash (RFC 7518 s3.2)', () => {
  it.each<[string, KeyInput, Algorithm[], RegExp]>([
    ["'abc' for HS256", 'abc', ['HS256'], /the HMAC secret is 3 bytes; HS256 needs at least 32/],
    ['31 bytes for HS256', 'x'.repeat(31), ['HS256'], /31 bytes; HS256 needs at least 32/],
    ['47 bytes for HS384', 'x'.repeat(47), ['HS384'], /47 bytes; HS384 needs at least 48/],
    ['32 bytes for HS512', 'x'.repeat(32), ['HS512'], /32 bytes; HS512 needs at least 64/],
    ['48 bytes for HS256 + HS512 (the largest applies)', 'x'.repeat(48), ['HS256', 'HS512'], /48 bytes; HS512 needs at least 64/],
    ['a 16-byte Buffer', Buffer.alloc(16, 7), ['HS256'], /16 bytes; HS256 needs at least 32/],
    ['a 16-byte secret KeyObject', createSecretKey(Buffer.alloc(16, 7)), ['HS256'], /16 bytes; HS256 needs at least 32/],
  ])('%s is a ConfigError that says what to do', (_name, secret, algorithms, says) => {
    const err = configErrorOf(() => createClaimer(options({ secret, algorithms })));
    expect(err.message).toMatch(says);
    expect(err.message).toMatch(/openssl rand -base64 \d+/);
    expect(err.message).toMatch(/`allowShortHmacSecret: true`.*\(unsafe\)/);
  });

  it.each<[string, KeyInput, Algorithm[]]>([
    ['32 bytes for HS256', 'x'.repeat(32), ['HS256']],
    ['48 bytes for HS384', 'x'.repeat(48), ['HS384']],
    ['64 bytes for HS256 + HS384 + HS512', 'x'.repeat(64), ['HS256', 'HS384', 'HS512']],
    ['16 two-byte characters (32 bytes) for HS256', 'é'.repeat(16), ['HS256']],
    ['a 32-byte secret KeyObject', createSecretKey(Buffer.alloc(32, 7)), ['HS256']],
  ])('%s is accepted', (_name, secret, algorithms) => {
    expect(() => createClaimer(options({ secret, algorithms }))).not.toThrow();
  });

  it('allowShortHmacSecret: true accepts a short secret (and its tokens) knowingly', async () => {
    const claim = createClaimer(options({ secret: 'abc', allowShortHmacSecret: true }));
    expect(await codeOf(claim(jwt.sign({ iat: NOW_S, exp: NOW_S + 60 }, 'abc', { algorithm: 'HS256' })))).toBe('passed');
  });

  it('allowShortHmacSecret is a checked option: a boolean, typo-checked, refused behind a verifier', () => {
    expect(configErrorOf(() => createClaimer(options({ allowShortHmacSecret: 'yes' as unknown as boolean }))).message).toMatch(
      /`allowShortHmacSecret` must be a boolean/,
    );
    const typo = { ...options(), allowShortHmacSecrets: true } as ClaimOptions;
    expect(configErrorOf(() => createClaimer(typo)).message).toMatch(/`allowShortHmacSecrets` \(did you mean `allowShortHmacSecret`\?\)/);
    expect(configErrorOf(() => jwtOnce({ secret: SECRET, algorithms: ['HS256'], allowShortHmacSecert: true } as never)).message).toMatch(
      /did you mean `allowShortHmacSecret`/,
    );
    const behindVerifier = { allowShortHmacSecret: true } as unknown as VerifiedClaimOptions;
    expect(configErrorOf(() => createVerifiedClaimer(behindVerifier)).message).toMatch(
      /`allowShortHmacSecret` is not used when claiming already-verified/,
    );
  });

  it('a short JWT_ONCE_SECRET is refused at creation too; allowShortHmacSecret in code lets it through', async () => {
    const shortEnv = { JWT_ONCE_SECRET: 'short-env-secret' };
    expect(configErrorOf(() => createRequestGuard({}, shortEnv)).message).toMatch(/16 bytes; HS256 needs at least 32/);
    expect(configErrorOf(() => createRequestGuard({}, { JWT_ONCE_SECRET: 'x'.repeat(40), JWT_ONCE_ALGORITHMS: 'HS512' })).message).toMatch(
      /40 bytes; HS512 needs at least 64/,
    );
    expect(() => createRequestGuard({ allowShortHmacSecret: true }, { JWT_ONCE_SECRET: 'short-env-secret' })).not.toThrow();
  });

  it('a resolver returning a short secret: a 401 for that token (refused consistently), unless allowShortHmacSecret', async () => {
    const store = new MemoryStore();
    const token = jwt.sign({ iat: NOW_S, exp: NOW_S + 60 }, 'abc', { algorithm: 'HS256' });
    const err = await invalidTokenErrorOf(createClaimer(options({ secret: () => 'abc', store }))(token));
    expect(err.message).toBe('No usable key for this token');
    expect((err.cause as Error).message).toMatch(/3 bytes; HS256 needs at least 32/);
    const shortKeyObject = createSecretKey(Buffer.from('abc'));
    const viaKeyObject = await invalidTokenErrorOf(createClaimer(options({ secret: () => shortKeyObject, store }))(token));
    expect((viaKeyObject.cause as Error).message).toMatch(/3 bytes/);
    expect(store.size).toBe(0);
    expect(await codeOf(createClaimer(options({ secret: () => 'abc', store, allowShortHmacSecret: true }))(token))).toBe('passed');
  });
});
