// The baselines every framework of the HTTP scenario runs beside jwt-once:
// the secret and algorithms, a bare jsonwebtoken verify, and a hand-rolled
// replay guard (verify + SHA-256 + Map).
import { createSecretKey, hash } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The string secret a user would paste into every middleware. */
export const SECRET = 'a-string-secret-a-user-would-paste-in-here-32+chars';
export const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

const bareKey = createSecretKey(Buffer.from(SECRET, 'utf8'));
const bareOptions = { algorithms: ALGORITHMS };

/** The floor of any JWT middleware: one jsonwebtoken.verify with a KeyObject made once. */
export function bareVerify(authorization: string | undefined): jwt.JwtPayload | undefined {
  if (authorization === undefined || !authorization.startsWith('Bearer ')) return undefined;
  try {
    return jwt.verify(authorization.slice(7), bareKey, bareOptions) as jwt.JwtPayload;
  } catch {
    return undefined;
  }
}

const handRolledClaims = new Map<string, number>();
export const HAND_ROLLED = 'verify + SHA-256 + Map';

/**
 * The least any replay guard adds to a bare verify: a SHA-256 of the signed
 * part and a Map check-and-set that keeps the claim (no expiry sweep, no
 * limits, no errors). What jwt-once must cost no more than.
 */
export function handRolledGuard(authorization: string | undefined): jwt.JwtPayload | undefined {
  const payload = bareVerify(authorization);
  if (payload === undefined) return undefined;
  const token = authorization!.slice(7);
  const key = hash('sha256', token.slice(0, token.lastIndexOf('.')), 'base64url');
  if (handRolledClaims.has(key)) return undefined;
  handRolledClaims.set(key, payload.exp! * 1000);
  return payload;
}
