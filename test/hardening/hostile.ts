import { createHmac, type KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { JwtOnceError, MemoryStore, type ClaimStore } from '../../src/index.js';
import { HS_SECRET, NOW_S } from '../helpers/tokens.js';

/** base64url of raw text (not re-serialized: duplicate keys, `1e400`, deep nesting survive). */
export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** A compact JWT over raw header and payload JSON text, HMAC-SHA256-signed with `secret`. */
export function signRaw(headerJson: string, payloadJson: string, secret: string | Buffer | KeyObject = HS_SECRET): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A store that records every call; refuses nothing, so a hostile token that got this far would pass. */
export class SpyStore implements ClaimStore {
  readonly inner = new MemoryStore();
  claims = 0;
  releases = 0;
  claim(key: string, expiresAt: number, now: number): boolean {
    this.claims++;
    return this.inner.claim(key, expiresAt, now);
  }
  release(key: string, expiresAt: number): void {
    this.releases++;
    this.inner.release(key, expiresAt);
  }
}

/**
 * Awaits a claim that must be refused: a `JwtOnceError` with status 400/401
 * and a code. Anything else (a pass, a plain Error, a 5xx) throws.
 */
export async function expectRefused(attempt: Promise<unknown>): Promise<JwtOnceError> {
  let outcome: unknown;
  try {
    await attempt;
    outcome = 'passed';
  } catch (err) {
    outcome = err;
  }
  if (!(outcome instanceof JwtOnceError)) {
    throw new Error(`expected a JwtOnceError, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);
  }
  if (outcome.status !== 400 && outcome.status !== 401) throw new Error(`expected 400/401, got ${outcome.status} ${outcome.code}`);
  if (!/^ERR_JWT_ONCE_[A-Z]+$/.test(outcome.code)) throw new Error(`no code: ${String(outcome.code)}`);
  return outcome;
}

const VALID_HEADER = '{"alg":"HS256","typ":"JWT"}';
const validPayload = (extra = ''): string => `{"iat":${NOW_S},"exp":${NOW_S + 300}${extra}}`;

/** Raw JSON values that are wrong for a time claim (`exp`, `nbf`, `iat`). */
const hostileTimes = fc.constantFrom(
  '"9999999999"',
  'null',
  'true',
  '[]',
  '{}',
  '[1]',
  '1e400',
  '-1e400',
  '-1',
  '-0.5',
  '1e308',
  '1e20',
  '"NaN"',
  '"Infinity"',
  '""',
  '{"$gt":0}',
  `"${NOW_S + 300}"`,
);

/** Raw JSON values that are wrong for a `jti`. */
const hostileJtis = fc.oneof(
  fc.constantFrom('123', 'null', 'true', '[]', '{}', '""', '1e400', '["a"]', `"${'j'.repeat(257)}"`),
  fc.integer({ min: 257, max: 4000 }).map((n) => JSON.stringify('x'.repeat(n))),
);

/**
 * Validly signed tokens (right secret) whose claims are each wrong in one way:
 * every one of them must be refused.
 */
export const signedHostileClaims: fc.Arbitrary<string> = fc.oneof(
  // exp of a wrong type, not finite, negative, already past, or beyond maxTtl.
  fc
    .oneof(hostileTimes, fc.constantFrom(String(NOW_S), String(NOW_S - 1), '0', String(NOW_S + 86_401)))
    .map((exp) => signRaw(VALID_HEADER, `{"iat":${NOW_S},"exp":${exp}}`)),
  // exp missing altogether.
  fc.constant(signRaw(VALID_HEADER, `{"iat":${NOW_S},"sub":"no-exp"}`)),
  // nbf wrong or in the future.
  fc
    .oneof(
      hostileTimes,
      fc.integer({ min: 1, max: 1e9 }).map((d) => String(NOW_S + d)),
    )
    .map((nbf) => signRaw(VALID_HEADER, validPayload(`,"nbf":${nbf}`))),
  // iat wrong or in the future.
  fc
    .oneof(
      hostileTimes,
      fc.integer({ min: 1, max: 1e9 }).map((d) => String(NOW_S + d)),
    )
    .map((iat) => signRaw(VALID_HEADER, `{"exp":${NOW_S + 300},"iat":${iat}}`)),
  // jti not a usable string.
  hostileJtis.map((jti) => signRaw(VALID_HEADER, validPayload(`,"jti":${jti}`))),
  // iss not usable in an (iss, jti) key.
  fc
    .constantFrom('123', '{}', '[]', 'true', `"${'i'.repeat(257)}"`)
    .map((iss) => signRaw(VALID_HEADER, validPayload(`,"jti":"a","iss":${iss}`))),
  // Duplicate keys: the last one wins and is wrong.
  fc
    .tuple(fc.constantFrom('exp', 'nbf', 'iat', 'jti'), fc.constantFrom('"x"', 'null', '1e400', '-1', '[]'))
    .filter(([name, value]) => !(name === 'jti' && value === '"x"'))
    .map(([name, value]) => signRaw(VALID_HEADER, `{"iat":${NOW_S},"exp":${NOW_S + 300},"jti":"d","${name}":${value}}`)),
  // Payloads that are not JSON objects.
  fc
    .constantFrom('null', '[]', '[1,2]', '"a string"', '42', 'true', '{', '{"exp":', 'not json', '{"exp":NaN}', '{"exp":Infinity}', '')
    .map((p) => signRaw(VALID_HEADER, p)),
  // Headers that are not JSON objects, or name an algorithm that is not accepted.
  fc
    .constantFrom(
      'null',
      '[]',
      '"HS256"',
      '42',
      '{',
      '{"alg":"none"}',
      '{"alg":"None"}',
      '{"alg":"NONE"}',
      '{"alg":"HS512"}',
      '{"alg":"RS256"}',
      '{"alg":null}',
      '{"alg":["HS256"]}',
      '{}',
    )
    .map((h) => signRaw(h, validPayload())),
);

/** Deeply nested JSON text of depth `depth`, arrays or objects. */
export function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const B64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Printable, header-safe ASCII with no space or comma (what can sit after `Bearer `). */
export const headerSafeChar = fc
  .integer({ min: 0x21, max: 0x7e })
  .filter((c) => c !== 0x2c)
  .map((c) => String.fromCharCode(c));

/** Structurally broken tokens: random text, wrong segment counts, bad characters, truncations of a real token. */
export function malformedTokens(valid: () => string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc.string({ minLength: 1, maxLength: 400, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 400, unit: fc.constantFrom(...`${B64URL_CHARS}.`) }),
    // Wrong segment counts: 1, 2, 4 ... 12 base64url segments.
    fc
      .tuple(
        fc.integer({ min: 1, max: 12 }).filter((n) => n !== 3),
        fc.string({ maxLength: 40, unit: fc.constantFrom(...B64URL_CHARS) }),
      )
      .map(([n, seg]) => Array.from({ length: n }, () => seg).join('.')),
    fc.integer({ min: 0, max: 500 }).map((cut) => {
      const t = valid();
      return t.slice(0, cut % t.length) || '.';
    }),
    // Drop or repeat one segment of a real token.
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()).map(([i, drop]) => {
      const parts = valid().split('.');
      if (drop) parts.splice(i, 1);
      else parts.splice(i, 0, parts[i]!);
      return parts.join('.');
    }),
    // A character that is not base64url, inserted anywhere in a real token.
    fc.tuple(fc.nat(), fc.constantFrom('+', '/', '=', '%', ' ', '\0', '\n', '"', '\\', '{', 'é', '\u2028', '\uD800')).map(([at, ch]) => {
      const t = valid();
      const i = at % (t.length + 1);
      return t.slice(0, i) + ch + t.slice(i);
    }),
    // One flipped character in a real token (signature no longer matches).
    fc.nat().map((at) => {
      const t = valid();
      let i = at % t.length;
      if (t[i] === '.') i = (i + 1) % t.length;
      const c = t[i]!;
      return t.slice(0, i) + (c === 'A' ? 'B' : 'A') + t.slice(i + 1);
    }),
    // An unsigned copy, a copy with an empty signature.
    fc.constant(0).map(() => valid().split('.').slice(0, 2).join('.') + '.'),
    fc.constant(0).map(() => `${b64('{"alg":"none","typ":"JWT"}')}.${valid().split('.')[1]}.`),
  );
}

/** A deeply nested or huge token below the length limit, signed with the wrong secret. */
export const bulkyForgeries: fc.Arbitrary<string> = fc
  .oneof(
    fc
      .tuple(fc.integer({ min: 100, max: 2400 }), fc.constant('array' as const))
      .map(([depth, kind]) =>
        signRaw(
          VALID_HEADER,
          `{"iat":${NOW_S},"exp":${NOW_S + 300},"deep":${nested(depth, kind)}}`,
          'wrong-secret-wrong-secret-wrong-secret!',
        ),
      ),
    fc
      .integer({ min: 100, max: 900 })
      .map((depth) =>
        signRaw(
          VALID_HEADER,
          `{"iat":${NOW_S},"exp":${NOW_S + 300},"deep":${nested(depth, 'object')}}`,
          'wrong-secret-wrong-secret-wrong-secret!',
        ),
      ),
    // Validly signed, nested in both header and payload, with a wrong exp.
    fc
      .tuple(fc.integer({ min: 50, max: 400 }), fc.constantFrom('array' as const, 'object' as const))
      .map(([depth, kind]) => signRaw(`{"alg":"HS256","deep":${nested(depth, kind)}}`, `{"exp":"x","deep":${nested(depth, kind)}}`)),
    fc
      .integer({ min: 1000, max: 5900 })
      .map((n) =>
        signRaw(VALID_HEADER, `{"iat":${NOW_S},"exp":${NOW_S + 300},"pad":"${'p'.repeat(n)}"}`, 'wrong-secret-wrong-secret-wrong-secret!'),
      ),
    fc
      .integer({ min: 1000, max: 5900 })
      .map((n) =>
        signRaw(
          `{"alg":"HS256","pad":"${'h'.repeat(n)}"}`,
          `{"iat":${NOW_S},"exp":${NOW_S + 300}}`,
          'wrong-secret-wrong-secret-wrong-secret!',
        ),
      ),
  )
  .filter((token) => token.length <= 8192);

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A POST with exactly the given header lines (arrays send repeated lines),
 * through node:http, which, unlike fetch, neither joins nor trims them.
 */
export function rawPost(url: string, headers: Record<string, string | string[]>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.end();
  });
}

/**
 * `kid` header values a naive `keys[kid]` resolver may trip on: path, SQL,
 * prototype and control characters, near misses, and non-strings. Never the
 * real `'key-1'`.
 */
export const hostileKids: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '../../etc/passwd',
    '..\\..\\windows\\win.ini',
    "key-1' OR '1'='1",
    'key-1; DROP TABLE keys;--',
    '/dev/zero',
    'key-1\0',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'file:///etc/shadow',
    '%2e%2e%2f',
    'KEY-1',
    ' key-1',
  ),
  fc.string({ maxLength: 64, unit: 'binary' }).filter((s) => s !== 'key-1'),
  fc.constantFrom<unknown>(5, null, true, [], ['key-1'], { toString: 'key-1' }, Infinity),
);

/** HS256 tokens signed with `HS_SECRET` whose header names a {@link hostileKids} `kid`. */
export const hostileKidTokens: fc.Arbitrary<string> = fc
  .tuple(hostileKids, fc.nat())
  .map(([kid, n]) => signRaw(JSON.stringify({ alg: 'HS256', kid }), JSON.stringify({ iat: NOW_S, exp: NOW_S + 300, n })));

/**
 * Algorithm confusion, forged by hand as an attacker would: HS256/384/512 (or a
 * mislabelled RS256) MACed with an RSA public key's PEM text as the secret.
 * `publicPems` are the spellings of the key to try.
 */
export function algConfusionTokens(publicPems: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom('HS256', 'HS384', 'HS512', 'RS256'), fc.constantFrom(...publicPems), fc.nat()).map(([alg, pem, n]) => {
    const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify({ iat: NOW_S, exp: NOW_S + 300, sub: 'mallory', n }))}`;
    const hash = alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256';
    return `${input}.${createHmac(hash, pem).update(input).digest('base64url')}`;
  });
}
