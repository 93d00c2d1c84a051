import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** A fixed "now" so tests never depend on the wall clock: 2026-01-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1);
export const NOW_S = NOW / 1000;

export const HS_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

let counter = 0;

/** Signs an HS256 token issued at NOW, valid for `ttl` seconds, unique per call. */
export function hsToken(claims: Record<string, unknown> = {}, ttl = 300, secret: string = HS_SECRET): string {
  return jwt.sign({ iat: NOW_S, exp: NOW_S + ttl, n: ++counter, ...claims }, secret, { algorithm: 'HS256' });
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
}

export function rsaKeys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function ecKeys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function signWith(key: KeyObject, algorithm: jwt.Algorithm, claims: Record<string, unknown> = {}, ttl = 300): string {
  return jwt.sign(
    { iat: NOW_S, exp: NOW_S + ttl, n: ++counter, ...claims },
    createPrivateKey(key.export({ type: 'pkcs8', format: 'pem' })),
    { algorithm },
  );
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Other spellings of the same signature that decode to the same bytes: the
 * last base64url character carries unused low bits.
 */
export function trailingBitSpellings(token: string): string[] {
  const dot = token.lastIndexOf('.');
  const sig = token.slice(dot + 1);
  const unusedBits = (sig.length * 6) % 8;
  const last = B64URL.indexOf(sig[sig.length - 1]!);
  const out: string[] = [];
  for (let low = 0; low < 1 << unusedBits; low++) {
    const variant = (last & ~((1 << unusedBits) - 1)) | low;
    if (variant !== last) out.push(token.slice(0, dot + 1) + sig.slice(0, -1) + B64URL[variant]);
  }
  return out;
}

const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** The second valid ECDSA signature of an ES256 token: (r, n - s). */
export function highSSpelling(token: string): string {
  const dot = token.lastIndexOf('.');
  const raw = Buffer.from(token.slice(dot + 1), 'base64url');
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return `${token.slice(0, dot + 1)}${Buffer.concat([raw.subarray(0, 32), flipped]).toString('base64url')}`;
}
