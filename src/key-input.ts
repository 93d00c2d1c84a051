import type { JwtHeader, JwtPayload } from './jwt-types.js';

/**
 * What jwt-once needs of a Node `crypto.KeyObject`, written without Node's
 * types so the package's declarations compile without `@types/node` (Web and
 * Workers projects). A `KeyObject` fits it; a Web `CryptoKey` does not (it has
 * no `export`/`equals`), and is refused at run time like any other non-`KeyObject`.
 */
export interface KeyLike {
  /** `secret` for an HMAC key, `public` or `private` for RS/PS/ES keys. */
  readonly type: 'secret' | 'public' | 'private';
  /** The curve family or key type of an asymmetric key (`rsa`, `ec`, ...). */
  readonly asymmetricKeyType?: string;
  /** The length in bytes of a secret key. */
  readonly symmetricKeySize?: number;
  /** Node's `KeyObject.export`. */
  export(...args: never[]): unknown;
  /** Node's `KeyObject.equals`. */
  equals(...args: never[]): boolean;
}

/**
 * A verification key: a shared secret (a string, or bytes: a `Uint8Array`, which a Node `Buffer` is),
 * a PEM public (or private) key as a string or bytes, or a Node `KeyObject`.
 */
export type KeyInput = string | Uint8Array | KeyLike;

/**
 * Looks up the verification key for one token, e.g. by `header.kid` in a JWKS.
 * Called with the decoded, not yet verified, header and payload: use them only
 * to choose a key, never to trust claims.
 */
export type SecretResolver = (header: JwtHeader, payload: JwtPayload) => KeyInput | Promise<KeyInput>;
