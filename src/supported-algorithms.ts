import type { Algorithm } from './jwt-types.js';

/** Algorithms `jsonwebtoken` verifies. `none` is deliberately absent (RFC 8725 s3.1). */
export const SUPPORTED_ALGORITHMS: readonly Algorithm[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
];
