// RSA proof keys under 2048 bits are refused when the jwk is imported
// (jsonwebtoken checks the key size only when signing, never when verifying).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createDpopChecker, type DpopAlgorithm } from '../../src/dpop/index.js';
import { MemoryStore } from '../../src/index.js';
import { HTU, proofClaims } from '../helpers/dpop.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const keys = new Map<number, { privateKey: KeyObject; jwk: Record<string, string> }>();
function rsaKey(bits: number) {
  let key = keys.get(bits);
  if (key === undefined) {
    const pair = generateKeyPairSync('rsa', { modulusLength: bits });
    key = { privateKey: pair.privateKey, jwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, string> };
    keys.set(bits, key);
  }
  return key;
}

/** A proof signed by jsonwebtoken, as a client would; small keys need `allowInsecureKeySizes` to sign at all. */
function proof(bits: number, alg: DpopAlgorithm): string {
  const { privateKey, jwk } = rsaKey(bits);
  return jwt.sign(proofClaims(), privateKey, {
    algorithm: alg as jwt.Algorithm,
    header: { alg, typ: 'dpop+jwt', jwk } as jwt.JwtHeader,
    allowInsecureKeySizes: true,
  });
}

async function outcome(bits: number, alg: DpopAlgorithm): Promise<string> {
  const check = createDpopChecker({ store: new MemoryStore(), now: () => NOW, algorithms: [alg] });
  try {
    await check(proof(bits, alg), { method: 'POST', url: HTU });
    return 'passed';
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
}

describe('DPoP RSA proof keys: at least 2048 bits', () => {
  it('jsonwebtoken itself refuses to sign with a 1024-bit key unless told to', () => {
    expect(() => jwt.sign(proofClaims(), rsaKey(1024).privateKey, { algorithm: 'RS256' })).toThrow(/minimum key size of 2048/);
  });

  it.each([512, 1024, 1536])('RS256 with a %i-bit key: refused with ERR_JWT_ONCE_DPOP', async (bits) => {
    expect(await outcome(bits, 'RS256')).toBe('ERR_JWT_ONCE_DPOP: The DPoP proof jwk is an RSA key of fewer than 2048 bits');
  });

  // 512 bits cannot hold a PS256 signature (SHA-256 and a 32-byte salt): no such proof can be made.
  it.each([1024, 1536])('PS256 with a %i-bit key: refused with ERR_JWT_ONCE_DPOP', async (bits) => {
    expect(await outcome(bits, 'PS256')).toBe('ERR_JWT_ONCE_DPOP: The DPoP proof jwk is an RSA key of fewer than 2048 bits');
  });

  it.each([2048, 3072])('RS256 and PS256 with a %i-bit key: pass', async (bits) => {
    expect(await outcome(bits, 'RS256')).toBe('passed');
    expect(await outcome(bits, 'PS256')).toBe('passed');
  });
});
