/**
 * A public JSON Web Key as a DPoP proof carries it in its `jwk` header (RFC 7517).
 * In its own file, without Node's types, so the adapters' declarations load no `node:crypto`.
 */
export type PublicJwk = Record<string, unknown> & { kty: string };
