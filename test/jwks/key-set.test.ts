import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  createClaimer,
  errorResponse,
  jwks,
  JwksUnavailableError,
  MemoryStore,
  type ClaimOptions,
  type JwksOptions,
  type JwtOnceError,
} from '../../src/index.js';
import { freePort } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW, NOW_S } from '../helpers/tokens.js';
import { JwksServer, signingKey, tokenFrom, type SigningKey } from './jwks-server.js';

failOnUnhandledRejections();

const MINUTE = 60_000;
const servers: JwksServer[] = [];
const stores: MemoryStore[] = [];
let clock = NOW;

async function serve(...keys: SigningKey[]): Promise<JwksServer> {
  const server = await JwksServer.start(keys);
  servers.push(server);
  return server;
}

/** A claimer with jwks(`options`) as its secret, on the test clock (tokens and key sets alike). */
function claimerWith(options: JwksOptions, extra: Partial<ClaimOptions> = {}) {
  const store = new MemoryStore();
  stores.push(store);
  return createClaimer({
    secret: jwks({ now: () => clock, ...options }),
    algorithms: ['RS256', 'ES256'],
    store,
    now: () => clock,
    ...extra,
  });
}

/** What a claim ended with: 'ok' or the error code. */
async function outcome(claim: Promise<unknown>): Promise<string> {
  try {
    await claim;
    return 'ok';
  } catch (err) {
    return (err as JwtOnceError).code ?? String(err);
  }
}

/** A token from `key`, issued now on the test clock, valid 5 minutes. */
function fresh(key: SigningKey, claims: Record<string, unknown> = {}, kid?: string | null): string {
  const iat = Math.floor(clock / 1000);
  return tokenFrom(key, { iat, exp: iat + 300, ...claims }, kid === undefined ? key.kid : kid);
}

async function refusal(claim: Promise<unknown>): Promise<JwtOnceError> {
  try {
    await claim;
  } catch (err) {
    return err as JwtOnceError;
  }
  throw new Error('the token passed');
}

const k1 = signingKey('k1');
const k2 = signingKey('k2');
const ec = signingKey('ec1', 'ec');

beforeEach(() => {
  clock = NOW;
});
afterEach(async () => {
  for (const store of stores.splice(0)) store.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('jwks(): keys by kid', () => {
  it('verifies an RS256 and an ES256 token by kid, with one fetch, and refuses the replay', async () => {
    const idp = await serve(k1, ec);
    const claim = claimerWith({ uri: idp.url });
    const token = fresh(k1, { sub: 'alice' });
    expect((await claim(token)).payload.sub).toBe('alice');
    expect(await outcome(claim(fresh(ec)))).toBe('ok');
    expect(await outcome(claim(token))).toBe('ERR_JWT_ONCE_REUSED');
    expect(idp.hits).toBe(1);
  });

  it('rotation: a new kid is fetched on first sight; a retired kid is refused once the set is refetched', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url, cooldown: 30_000, ttl: 10 * MINUTE });
    expect(await outcome(claim(fresh(k1)))).toBe('ok');

    idp.publish(k1, k2); // k2 appears
    clock += 30_000; // past the cooldown
    expect(await outcome(claim(fresh(k2)))).toBe('ok');
    expect(idp.hits).toBe(2);

    idp.publish(k2); // k1 retired
    expect(await outcome(claim(fresh(k1)))).toBe('ok'); // still in the cached set
    clock += 10 * MINUTE; // the TTL runs out: the next token refetches
    const retired = await refusal(claim(fresh(k1)));
    expect(retired).toMatchObject({ code: 'ERR_JWT_ONCE_INVALID', status: 401, message: 'No key in the key set matches this token' });
    expect(await outcome(claim(fresh(k2)))).toBe('ok');
    expect(idp.hits).toBe(3);
  });

  it('a kid signed by another key (same kid, different key) fails the signature', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url });
    const impostor = signingKey('k1');
    expect(await refusal(claim(fresh(impostor)))).toMatchObject({
      code: 'ERR_JWT_ONCE_INVALID',
      message: 'The token is invalid: invalid signature',
    });
  });

  it('a token without kid uses the one fitting key, and is refused when several fit', async () => {
    const idp = await serve(k1, ec);
    const claim = claimerWith({ uri: idp.url });
    expect(await outcome(claim(fresh(k1, {}, null)))).toBe('ok'); // one RSA key
    idp.publish(k1, k2);
    clock += 10 * MINUTE;
    expect(await refusal(claim(fresh(k1, {}, null)))).toMatchObject({
      status: 401,
      message: 'The token has no kid and several keys of the key set fit it',
    });
  });

  it('chooses by alg, kty and use: an HS256 token, an RS256 token against an EC kid, and an enc key all find no key', async () => {
    const enc = signingKey('enc1', 'rsa', { use: 'enc' });
    const pinned = signingKey('pinned', 'rsa', { alg: 'PS256' });
    const idp = await serve(ec, enc, pinned);
    const claim = claimerWith({ uri: idp.url });
    const hs = jwt.sign({ iat: NOW_S, exp: NOW_S + 60 }, 'x'.repeat(32), { algorithm: 'HS256', keyid: 'ec1' });
    expect(await refusal(claim(hs))).toMatchObject({ status: 401 });
    const rsaSignedWithEcKid = fresh(k1, {}, 'ec1');
    expect(await refusal(claim(rsaSignedWithEcKid))).toMatchObject({ message: 'No key in the key set matches this token' });
    expect(await refusal(claim(fresh(enc)))).toMatchObject({ message: 'No key in the key set matches this token' });
    expect(await refusal(claim(fresh(pinned)))).toMatchObject({ message: 'No key in the key set matches this token' }); // RS256, the JWK says PS256
  });

  it('leaves RSA keys under 2048 bits out of the set (401), and serves the others', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak: SigningKey = { kid: 'weak', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'weak' } };
    const idp = await serve(weak, k1);
    const claim = claimerWith({ uri: idp.url });
    const weakToken = jwt.sign({ iat: NOW_S, exp: NOW_S + 60 }, createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })), {
      algorithm: 'RS256',
      keyid: 'weak',
      allowInsecureKeySizes: true,
    });
    expect(await refusal(claim(weakToken))).toMatchObject({ status: 401, message: 'No key in the key set matches this token' });
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
  });

  it('refuses a whole set that publishes private or symmetric key material (503), and says why in detail', async () => {
    const leaked = { ...k1.privateKey.export({ format: 'jwk' }), kid: 'k1' };
    const idp = await serve();
    idp.keys = [leaked];
    const errors: JwksUnavailableError[] = [];
    const claim = claimerWith({ uri: idp.url, onError: (err) => errors.push(err) });
    const err = await refusal(claim(fresh(k1)));
    expect(err).toBeInstanceOf(JwksUnavailableError);
    expect((err as JwksUnavailableError).detail).toMatch(/private or symmetric key material/);
    idp.keys = [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', kid: 'k1' }, k1.jwk];
    clock += 2_000;
    expect(await outcome(claim(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
    expect(errors).toHaveLength(2);
  });
});

describe('jwks(): issuers are an allow-list', () => {
  it('two issuers with the same kid: each token is checked against its own issuer set only', async () => {
    const a = signingKey('same');
    const b = signingKey('same');
    const idpA = await serve(a);
    const idpB = await serve(b);
    const claim = claimerWith({ issuers: { 'https://a.example': idpA.url, 'https://b.example': idpB.url } });
    expect(await outcome(claim(fresh(a, { iss: 'https://a.example' })))).toBe('ok');
    expect(await outcome(claim(fresh(b, { iss: 'https://b.example' })))).toBe('ok');
    // Signed by B's key but claiming A: A's key of the same kid does not verify it.
    expect(await refusal(claim(fresh(b, { iss: 'https://a.example' })))).toMatchObject({
      code: 'ERR_JWT_ONCE_INVALID',
      message: 'The token is invalid: invalid signature',
    });
    expect([idpA.hits, idpB.hits]).toEqual([1, 1]);
  });

  it('a token whose iss is not listed (or absent, or a prototype name) is a 401 and fetches nothing', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ issuers: { 'https://idp.example': idp.url } });
    for (const iss of ['https://evil.example', idp.url, '__proto__', 'constructor', 'toString']) {
      expect(await refusal(claim(fresh(k1, { iss })))).toMatchObject({
        code: 'ERR_JWT_ONCE_INVALID',
        status: 401,
        message: 'The token issuer is not accepted',
      });
    }
    expect(await refusal(claim(fresh(k1)))).toMatchObject({ status: 401, message: 'The token has no issuer' });
    expect(await refusal(claim(fresh(k1, { iss: ['https://idp.example'] })))).toMatchObject({ status: 401 });
    expect(idp.hits).toBe(0);
    expect(await outcome(claim(fresh(k1, { iss: 'https://idp.example' })))).toBe('ok');
  });
});

describe('jwks(): fetches', () => {
  it('1,000 concurrent tokens with an unknown kid cause exactly one fetch, then all are refused (401)', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url });
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
    clock += 30_000; // the cooldown allows one refetch
    const unknown = signingKey('unknown');
    const tokens = Array.from({ length: 1000 }, () => fresh(unknown));
    const outcomes = await Promise.all(tokens.map((t) => outcome(claim(t))));
    expect(new Set(outcomes)).toEqual(new Set(['ERR_JWT_ONCE_INVALID']));
    expect(idp.hits).toBe(2);
  });

  it('1,000 concurrent tokens on a cold cache share one fetch and all pass', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url });
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => outcome(claim(fresh(k1)))));
    expect(new Set(outcomes)).toEqual(new Set(['ok']));
    expect(idp.hits).toBe(1);
  });

  it('cooldown: an unknown kid refetches at most once per cooldown', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url, cooldown: 30_000 });
    await claim(fresh(k1));
    const unknown = signingKey('later');
    expect(await outcome(claim(fresh(unknown)))).toBe('ERR_JWT_ONCE_INVALID');
    expect(idp.hits).toBe(1); // within the cooldown of the first fetch: no fetch
    clock += 30_000;
    expect(await outcome(claim(fresh(unknown)))).toBe('ERR_JWT_ONCE_INVALID');
    expect(idp.hits).toBe(2);
    idp.publish(k1, unknown);
    clock += 29_999;
    expect(await outcome(claim(fresh(unknown)))).toBe('ERR_JWT_ONCE_INVALID'); // published, but the cooldown holds
    expect(idp.hits).toBe(2);
    clock += 1;
    expect(await outcome(claim(fresh(unknown)))).toBe('ok');
    expect(idp.hits).toBe(3);
  });

  it('honours Cache-Control: max-age (instead of ttl), no-store as the cooldown, and caps it at one day', async () => {
    const idp = await serve(k1);
    idp.headers = { 'cache-control': 'public, max-age=120' };
    const claim = claimerWith({ uri: idp.url, ttl: 10 * MINUTE });
    await claim(fresh(k1));
    clock += 119_999;
    await claim(fresh(k1));
    expect(idp.hits).toBe(1);
    clock += 1; // max-age=120 is over, long before the 10-minute ttl
    idp.headers = { 'cache-control': 'no-store' };
    await claim(fresh(k1));
    expect(idp.hits).toBe(2);
    clock += 29_999; // no-store: kept for the cooldown (30 s) only
    await claim(fresh(k1));
    expect(idp.hits).toBe(2);
    clock += 1;
    idp.headers = { 'cache-control': 'max-age=31536000' };
    await claim(fresh(k1));
    expect(idp.hits).toBe(3);
    clock += 86_400_000 - 1;
    await claim(fresh(k1));
    expect(idp.hits).toBe(3);
    clock += 1;
    await claim(fresh(k1));
    expect(idp.hits).toBe(4);
  });

  it('without Cache-Control, refetches after ttl', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url, ttl: 10 * MINUTE });
    await claim(fresh(k1));
    clock += 10 * MINUTE - 1;
    await claim(fresh(k1));
    expect(idp.hits).toBe(1);
    clock += 1;
    await claim(fresh(k1));
    expect(idp.hits).toBe(2);
  });
});

describe('jwks(): failures', () => {
  it('a server that hangs: the fetch times out and the token is a 503 whose answer names no URL', async () => {
    const idp = await serve(k1);
    idp.behaviour = 'hang';
    const errors: JwksUnavailableError[] = [];
    const claim = claimerWith({ uri: idp.url, timeout: 150, onError: (err) => errors.push(err) });
    const err = await refusal(claim(fresh(k1)));
    expect(err).toBeInstanceOf(JwksUnavailableError);
    expect(err).toMatchObject({ code: 'ERR_JWT_ONCE_JWKS_UNAVAILABLE', status: 503, message: 'The key set is unavailable' });
    expect((err as JwksUnavailableError).detail).toBe(`The key set at ${idp.url} did not answer within 150 ms: This operation was aborted`);
    expect(errors.map((e) => e.detail)).toEqual([(err as JwksUnavailableError).detail]);
    const answer = errorResponse(err);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The key set is unavailable; retry later',
      code: 'ERR_JWT_ONCE_JWKS_UNAVAILABLE',
    });
    expect(JSON.stringify(answer)).not.toContain('127.0.0.1');
  });

  it('a server down with a warm cache: keys still served (no wait), up to maxStale past the ttl, then 503', async () => {
    const idp = await serve(k1);
    const errors: string[] = [];
    const claim = claimerWith({ uri: idp.url, ttl: 10 * MINUTE, maxStale: 60 * MINUTE, onError: (err) => errors.push(err.detail) });
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
    await idp.stop();

    clock += 10 * MINUTE; // expired: the refetch fails, the cached key serves
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^The key set at http:\/\/127\.0\.0\.1:\d+\/jwks\.json could not be fetched: fetch failed/);
    expect(await outcome(claim(fresh(k1)))).toBe('ok'); // within the 1 s backoff: no new fetch
    expect(errors).toHaveLength(1);

    const unknown = signingKey('new');
    expect(await outcome(claim(fresh(unknown)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE'); // maybe in the set we cannot fetch

    clock += 60 * MINUTE - 1; // the last moment of maxStale
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
    clock += 1;
    expect(await outcome(claim(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
  });

  it('maxStale: 0 serves no stale keys', async () => {
    const idp = await serve(k1);
    const claim = claimerWith({ uri: idp.url, ttl: MINUTE, maxStale: 0 });
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
    idp.behaviour = 'error';
    clock += MINUTE;
    expect(await outcome(claim(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
  });

  it('recovers: once the server answers again, the next fetch after the backoff succeeds', async () => {
    const idp = await serve(k1);
    idp.behaviour = 'error';
    const claim = claimerWith({ uri: idp.url });
    expect(await outcome(claim(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
    idp.behaviour = 'serve';
    expect(await outcome(claim(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE'); // within the 1 s backoff
    expect(idp.hits).toBe(1);
    clock += 1_000;
    expect(await outcome(claim(fresh(k1)))).toBe('ok');
    expect(idp.hits).toBe(2);
  });

  it('a server that is down on a cold cache: 503; a body that is not a key set: 503', async () => {
    const claim = claimerWith({ uri: `http://127.0.0.1:${await freePort()}/jwks.json` });
    expect(await outcome(claim(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
    const idp = await serve();
    idp.keys = 'not a list' as unknown as Record<string, unknown>[];
    const other = claimerWith({ uri: idp.url });
    expect(await refusal(other(fresh(k1)))).toMatchObject({ detail: expect.stringMatching(/is not a JWKS: no `keys` array$/) });
  });

  it('an onError that throws or rejects changes nothing and leaves no unhandled rejection', async () => {
    const idp = await serve(k1);
    idp.behaviour = 'error';
    const throwing = claimerWith({ uri: idp.url, onError: () => Promise.reject(new Error('logger down')) });
    expect(await outcome(throwing(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
    const sync = claimerWith({
      uri: idp.url,
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(await outcome(sync(fresh(k1)))).toBe('ERR_JWT_ONCE_JWKS_UNAVAILABLE');
  });
});
