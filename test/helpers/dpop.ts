import { constants, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { NOW_S } from './tokens.js';

export type ProofAlg = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

export interface DpopKey {
  alg: ProofAlg;
  privateKey: KeyObject;
  /** The public JWK, as a client puts it in the proof header. */
  jwk: Record<string, string>;
}

/** A fresh key pair for `alg`, made with node:crypto. */
export function dpopKey(alg: ProofAlg = 'ES256'): DpopKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey: pair.privateKey, jwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, string> };
}

export const HTU = 'https://server.example.com/token';

/** The claims of a valid proof for POST {@link HTU} at NOW, with a fresh jti. */
export function proofClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { jti: randomUUID(), htm: 'POST', htu: HTU, iat: NOW_S, ...overrides };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a DPoP proof with node:crypto; `header` overrides or removes (undefined) header members. */
export function signProof(key: DpopKey, claims: Record<string, unknown> = proofClaims(), header: Record<string, unknown> = {}): string {
  const fullHeader = { typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...header };
  const input = `${b64(fullHeader)}.${b64(claims)}`;
  const signAlg = (header.alg as string | undefined) ?? key.alg;
  let signature: Buffer;
  if (signAlg === 'ES256') signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else if (signAlg === 'PS256')
    signature = sign('sha256', Buffer.from(input), { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  else if (signAlg === 'EdDSA') signature = sign(null, Buffer.from(input), key.privateKey);
  else signature = sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
