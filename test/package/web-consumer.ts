// A Web / Workers project's use of jwt-once, for the packaging tests: strict TypeScript with
// the ES2022 and DOM libraries and `"types": []`, so no `@types/node` is loaded.

/** The consumer: `jwt-once` (denoKvStore too), `jwt-once/web`, `jwt-once/hono` and `jwt-once/cloudflare` with bytes, a resolver, environment bindings and Workers-style arguments. */
export const WEB_CONSUMER = `import { claimToken, jwks, optionsFromEnv, type ClaimOptions, type JwksOptions, type KeyInput, type SecretResolver } from 'jwt-once';
import { createWebGuard, withJwtOnce, JwtOnceError, type WebJwtOnceOptions } from 'jwt-once/web';
import { jwtOnce, type HonoJwtOnceOptions } from 'jwt-once/hono';
import { durableObjectStore, JwtOnceClaims } from 'jwt-once/cloudflare';
import { denoKvStore, type DenoKvLike } from 'jwt-once';
// @cloudflare/workers-types' DurableObjectNamespace (abridged, its signatures as published): it fits where the store asks.
interface DurableObjectId { toString(): string; equals(other: DurableObjectId): boolean; readonly name?: string }
interface DurableObjectStub { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>; readonly id: DurableObjectId }
interface DurableObjectNamespace {
  newUniqueId(): DurableObjectId;
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId, options?: { locationHint?: string }): DurableObjectStub;
}
export const claimsStore = (namespace: DurableObjectNamespace) => durableObjectStore(namespace, { shards: 8 });
export { JwtOnceClaims };
export const kvStore = (kv: DenoKvLike) => denoKvStore(kv, { prefix: ['app', 'claims'] });
interface Env { REGION: string }
const secret: KeyInput = new TextEncoder().encode('web-consumer-secret-0123456789abcdef0123456789abcdef0123456789abcdef');
const resolver: SecretResolver = (header) => (header.kid === 'old' ? 'web-consumer-old-secret-0123456789abcdef0123456789abcdef01' : secret);
const options: WebJwtOnceOptions = { secret: resolver, algorithms: ['HS256'] };
const guard = createWebGuard(options);
export async function first(request: Request): Promise<Response> {
  const outcome = await guard(request);
  return outcome.ok ? Response.json({ sub: outcome.claim.payload.sub }) : outcome.response;
}
export default {
  fetch: withJwtOnce((_request: Request, claim, env: Env) => Response.json({ sub: claim.payload.sub, region: env.REGION }), options),
};
const honoOptions: HonoJwtOnceOptions = { secret, algorithms: ['HS256'] };
const jwksOptions: JwksOptions = { issuers: { 'https://idp.example': 'https://idp.example/.well-known/jwks.json' }, maxStale: 0 };
export const fromKeySet = createWebGuard({ secret: jwks(jwksOptions), algorithms: ['RS256'] });
export const honoMiddleware = jwtOnce(honoOptions);
export function fromBindings(env: Record<string, string | undefined>): Partial<ClaimOptions> {
  return optionsFromEnv(env);
}
export async function check(token: string): Promise<string | undefined> {
  try {
    return (await claimToken(token, { secret, algorithms: ['HS256'] })).payload.jti;
  } catch (err) {
    if (err instanceof JwtOnceError) return err.code;
    throw err;
  }
}
// @ts-expect-error a Web CryptoKey is not a key jwt-once takes (a string, bytes or a Node KeyObject)
export const cryptoKey: KeyInput = {} as CryptoKey;
`;

/** Its tsconfig.json: strict, no skipLibCheck, Web types only. */
export function webTsconfig(files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
    },
    files,
  });
}
