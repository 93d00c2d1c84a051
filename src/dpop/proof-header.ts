import type { KeyObject } from 'node:crypto';
import { DpopProofError } from '../errors.js';
import { checkPublicJwk, jwkPublicKey, jwkThumbprint, type PublicJwk } from './jwk.js';

/** What a proof's protected header yields once checked: the key to verify with, and its thumbprint. */
interface ProofHeader {
  header: Record<string, unknown>;
  alg: string;
  jwk: PublicJwk;
  thumbprint: string;
  key: KeyObject;
}

/**
 * RFC 9449 s4.3 check 1: exactly one `DPoP` header, one compact JWS (a comma
 * means two headers joined by the framework), at most `max` characters.
 *
 * @throws {DpopProofError} otherwise.
 * @example
 * oneProof(req.headersDistinct.dpop, 8192) // the proof, or throws
 */
export function oneProof(proof: string | readonly string[] | null | undefined, max: number): string {
  if (Array.isArray(proof)) {
    if (proof.length !== 1)
      throw new DpopProofError(proof.length === 0 ? 'No DPoP proof was presented' : 'Exactly one DPoP header is allowed');
    proof = proof[0];
  }
  if (typeof proof !== 'string' || proof.length === 0) throw new DpopProofError('No DPoP proof was presented');
  if (proof.length > max) throw new DpopProofError(`The DPoP proof is longer than ${max} characters`);
  if (/[\s,]/.test(proof)) throw new DpopProofError('Exactly one DPoP header is allowed');
  return proof;
}

/** Check 2: the header of a compact JWS is a JSON object. */
function parseHeader(segment: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    header = undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new DpopProofError('The DPoP proof header is not a JSON object');
  }
  return header as Record<string, unknown>;
}

/**
 * Checks a proof's header (RFC 9449 s4.3 checks 2, 4, 5 and 7): `typ`
 * `dpop+jwt`, `alg` in the allow-list, `jwk` a public key of that algorithm;
 * and makes its RFC 7638 thumbprint and `KeyObject`. A client signs every
 * proof with one key, so its header segment repeats: accepted headers are
 * kept by their exact base64url text (the last `limit`), and a repeat skips
 * the parsing, the checks, the thumbprint's SHA-256 and the key import.
 * Refused headers are never kept.
 *
 * @example
 * const headers = new ProofHeaders(['ES256']);
 * const { key, thumbprint } = headers.get(proof); // throws DpopProofError on a bad header
 */
export class ProofHeaders {
  private readonly cache = new Map<string, ProofHeader>();
  constructor(
    private readonly algorithms: readonly string[],
    private readonly limit = 256,
  ) {}

  get(proof: string): ProofHeader {
    const dot = proof.indexOf('.');
    const second = dot === -1 ? -1 : proof.indexOf('.', dot + 1);
    if (second === -1 || proof.indexOf('.', second + 1) !== -1) throw new DpopProofError('The DPoP proof is not a compact JWS');
    const segment = proof.slice(0, dot);
    const hit = this.cache.get(segment);
    if (hit !== undefined) return hit;
    const header = parseHeader(segment);
    if (header.typ !== 'dpop+jwt') throw new DpopProofError('The DPoP proof typ must be dpop+jwt');
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.algorithms.includes(alg)) throw new DpopProofError('The DPoP proof alg is not allowed');
    checkPublicJwk(header.jwk, alg);
    const thumbprint = jwkThumbprint(header.jwk);
    const checked: ProofHeader = { header, alg, jwk: header.jwk, thumbprint, key: jwkPublicKey(header.jwk) };
    if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(segment, checked);
    return checked;
  }
}
