import { createHash } from 'node:crypto';
import { createDpopChecker, jwkThumbprint, type DpopOptions, type DpopRequest } from '../../src/dpop/index.js';
import { MemoryStore } from '../../src/index.js';
import { dpopKey, HTU, proofClaims, signProof, type DpopKey } from '../helpers/dpop.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW, NOW_S } from '../helpers/tokens.js';

failOnUnhandledRejections();

const keys: Record<'ES256' | 'RS256' | 'PS256', DpopKey> = { ES256: dpopKey('ES256'), RS256: dpopKey('RS256'), PS256: dpopKey('PS256') };
const es = keys.ES256;
const request: DpopRequest = { method: 'POST', url: HTU };

function checker(options: DpopOptions = {}) {
  return createDpopChecker({ store: new MemoryStore(), now: () => NOW, ...options });
}

/** The message of a refusal (to see which check refused), or 'passed'. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'passed';
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
}

describe('createDpopChecker: a valid proof passes once', () => {
  it.each(Object.keys(keys))('%s: passes, then the same proof is refused as a replay', async (alg) => {
    const check = checker();
    const key = keys[alg as keyof typeof keys];
    const proof = signProof(key);
    const ok = await check(proof, request);
    expect(ok.thumbprint).toBe(jwkThumbprint(key.jwk as never));
    expect(ok.htu).toBe(HTU);
    expect(ok.claim.key).toBe(`dpop:${ok.thumbprint}:${HTU.length}:${HTU}:${ok.claim.payload.jti}`);
    expect(await refusal(check(proof, request))).toBe('ERR_JWT_ONCE_DPOP_REUSED: The DPoP proof has already been used');
  });

  it('the same jti under two keys: both pass (the key is part of the replay key)', async () => {
    const check = checker();
    const claims = proofClaims({ jti: 'shared-jti' });
    expect(await codeOf(check(signProof(keys.ES256, claims), request))).toBe('passed');
    expect(await codeOf(check(signProof(keys.RS256, claims), request))).toBe('passed');
    expect(await codeOf(check(signProof(keys.ES256, claims), request))).toBe('ERR_JWT_ONCE_DPOP_REUSED');
  });

  it('the same key and jti for two URLs: both pass (htu is in the scope)', async () => {
    const check = checker();
    const other = 'https://server.example.com/other';
    expect(await codeOf(check(signProof(es, proofClaims({ jti: 'j' })), request))).toBe('passed');
    expect(await codeOf(check(signProof(es, proofClaims({ jti: 'j', htu: other })), { method: 'POST', url: other }))).toBe('passed');
  });

  it('a re-signed copy (new ECDSA signature, same claims) is still a replay', async () => {
    const check = checker();
    const claims = proofClaims();
    expect(await codeOf(check(signProof(es, claims), request))).toBe('passed');
    expect(await codeOf(check(signProof(es, claims), request))).toBe('ERR_JWT_ONCE_DPOP_REUSED');
  });
});

describe('createDpopChecker: each RFC 9449 s4.3 check refuses on its own', () => {
  const check = checker();
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['no DPoP header', () => check(undefined, request), /No DPoP proof/],
    ['two DPoP headers', () => check([signProof(es), signProof(es)], request), /Exactly one DPoP header/],
    ['two headers joined by the framework', () => check(`${signProof(es)}, ${signProof(es)}`, request), /Exactly one/],
    ['not a JWS', () => check('abc.def', request), /not a compact JWS/],
    ['typ JWT', () => check(signProof(es, proofClaims(), { typ: 'JWT' }), request), /typ must be dpop\+jwt/],
    ['no typ', () => check(signProof(es, proofClaims(), { typ: undefined }), request), /typ must be dpop\+jwt/],
    ['alg HS256', () => check(signProof(es, proofClaims(), { alg: 'HS256' }), request), /alg is not allowed/],
    ['alg none', () => check(signProof(es, proofClaims(), { alg: 'none' }), request), /alg is not allowed/],
    [
      'alg RS512, allowed by none of the defaults',
      () => check(signProof(keys.RS256, proofClaims(), { alg: 'RS512' }), request),
      /alg is not allowed/,
    ],
    ['no jwk', () => check(signProof(es, proofClaims(), { jwk: undefined }), request), /no jwk/],
    ['a private jwk (d)', () => check(signProof(es, proofClaims(), { jwk: { ...es.jwk, d: 'AAAA' } }), request), /private key material/],
    ['a symmetric jwk', () => check(signProof(es, proofClaims(), { jwk: { kty: 'oct', k: 'AAAA' } }), request), /private key material/],
    [
      'a jwk of another type than alg',
      () => check(signProof(es, proofClaims(), { jwk: keys.RS256.jwk }), request),
      /key type does not match/,
    ],
    [
      'a jwk on another curve',
      () => check(signProof(es, proofClaims(), { jwk: { ...es.jwk, crv: 'P-384' } }), request),
      /curve does not match/,
    ],
    [
      'a signature by another key',
      () => check(signProof(es, proofClaims(), { jwk: dpopKey('ES256').jwk }), request),
      /does not verify: invalid signature/,
    ],
    [
      'a tampered payload',
      () => {
        const [h, , s] = signProof(es).split('.');
        return check(`${h}.${Buffer.from(JSON.stringify(proofClaims())).toString('base64url')}.${s}`, request);
      },
      /does not verify/,
    ],
    ['no jti', () => check(signProof(es, proofClaims({ jti: undefined })), request), /jti must be/],
    ['a jti of 257 characters', () => check(signProof(es, proofClaims({ jti: 'j'.repeat(257) })), request), /jti must be/],
    ['htm GET for a POST', () => check(signProof(es, proofClaims({ htm: 'GET' })), request), /htm does not match/],
    ['htm post (methods are case-sensitive)', () => check(signProof(es, proofClaims({ htm: 'post' })), request), /htm does not match/],
    ['no htu', () => check(signProof(es, proofClaims({ htu: undefined })), request), /htu is not an http/],
    [
      'htu on another host',
      () => check(signProof(es, proofClaims({ htu: 'https://other.example.com/token' })), request),
      /htu does not match/,
    ],
    [
      'htu with another path',
      () => check(signProof(es, proofClaims({ htu: 'https://server.example.com/token2' })), request),
      /htu does not match/,
    ],
    [
      'htu over http for an https request',
      () => check(signProof(es, proofClaims({ htu: 'http://server.example.com/token' })), request),
      /htu does not match/,
    ],
    ['no iat', () => check(signProof(es, proofClaims({ iat: undefined })), request), /iat must be a number/],
    ['iat 61 s in the past', () => check(signProof(es, proofClaims({ iat: NOW_S - 61 })), request), /outside the accepted window/],
    ['iat 61 s in the future', () => check(signProof(es, proofClaims({ iat: NOW_S + 61 })), request), /outside the accepted window/],
    ['an expired exp', () => check(signProof(es, proofClaims({ exp: NOW_S - 1 })), request), /does not verify: jwt expired/],
    [
      'ath of another token',
      () => check(signProof(es, proofClaims({ ath: 'x' })), { ...request, accessToken: 'at' }),
      /ath does not match/,
    ],
    ['no ath with an access token', () => check(signProof(es), { ...request, accessToken: 'at' }), /ath does not match/],
    [
      'an access token bound to another key',
      () => check(signProof(es), { ...request, accessTokenPayload: { cnf: { jkt: 'other' } } }),
      /not the key the access token is bound to/,
    ],
    [
      'an access token without cnf.jkt',
      () => check(signProof(es), { ...request, accessTokenPayload: { sub: 'a' } }),
      /not bound to a DPoP key/,
    ],
  ];
  it.each(cases)('%s: refused with ERR_JWT_ONCE_DPOP', async (_, run, message) => {
    const outcome = await refusal(run());
    expect(outcome).toMatch(/^ERR_JWT_ONCE_DPOP: /);
    expect(outcome).toMatch(message);
  });

  it('a refused proof is not claimed: fixed, the same jti then passes', async () => {
    const claims = proofClaims();
    expect(await codeOf(check(signProof(es, { ...claims, htm: 'GET' }), request))).toBe('ERR_JWT_ONCE_DPOP');
    expect(await codeOf(check(signProof(es, claims), request))).toBe('passed');
  });

  it('accepts iat at both edges of the window, and the htu spelled differently', async () => {
    expect(await codeOf(check(signProof(es, proofClaims({ iat: NOW_S + 60 })), request))).toBe('passed');
    expect(await codeOf(check(signProof(es, proofClaims({ iat: NOW_S - 59.999 })), request))).toBe('passed');
    const spelled = 'HTTPS://Server.Example.COM:443/a/../%74oken?query=1#frag';
    expect(await codeOf(check(signProof(es, proofClaims({ htu: spelled })), request))).toBe('passed');
  });

  it('checks ath and cnf.jkt when given, and passes when they match', async () => {
    const accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.sig';
    const athValue = createHash('sha256').update(accessToken).digest('base64url');
    const bound = { ...request, accessToken, accessTokenPayload: { cnf: { jkt: jwkThumbprint(es.jwk as never) } } };
    expect(await codeOf(check(signProof(es, proofClaims({ ath: athValue })), bound))).toBe('passed');
  });
});

describe('createDpopChecker options', () => {
  it('refuses EdDSA (jsonwebtoken has none), HS256 and none at creation', () => {
    expect(() => createDpopChecker({ algorithms: ['EdDSA' as never] })).toThrow(/jsonwebtoken.*has no EdDSA/);
    expect(() => createDpopChecker({ algorithms: ['HS256' as never] })).toThrow(/asymmetric/);
    expect(() => createDpopChecker({ algorithms: ['none' as never] })).toThrow(/asymmetric/);
    expect(() => createDpopChecker({ origin: 'https://api.example.com/path' })).toThrow(/public origin/);
    expect(() => createDpopChecker({ iatWindow: 0 })).toThrow(/iatWindow/);
    expect(() => createDpopChecker({ nonce: {} as never })).toThrow(/nonce/);
  });

  it('origin: the htu is compared with the public origin and the request path', async () => {
    const check = checker({ origin: 'https://server.example.com' });
    // Behind a proxy the app sees http://10.0.0.5:3000/token?x=1; the client signed the public URL.
    expect(await codeOf(check(signProof(es), { method: 'POST', url: 'http://10.0.0.5:3000/token?x=1' }))).toBe('passed');
    expect(await codeOf(check(signProof(es), { method: 'POST', url: '/token' }))).toBe('passed');
    // A path that looks like a host stays a path.
    expect(await codeOf(check(signProof(es), { method: 'POST', url: '//server.example.com/token' }))).toBe('ERR_JWT_ONCE_DPOP');
  });

  it('iatWindow and clockTolerance widen the window', async () => {
    const check = checker({ iatWindow: 300, clockTolerance: 5 });
    expect(await codeOf(check(signProof(es, proofClaims({ iat: NOW_S - 304 })), request))).toBe('passed');
    expect(await codeOf(check(signProof(es, proofClaims({ iat: NOW_S + 305 })), request))).toBe('passed');
    expect(await codeOf(check(signProof(es, proofClaims({ iat: NOW_S + 306 })), request))).toBe('ERR_JWT_ONCE_DPOP');
  });

  it('allows only the listed algorithms', async () => {
    const check = checker({ algorithms: ['PS256'] });
    expect(await codeOf(check(signProof(keys.PS256), request))).toBe('passed');
    expect(await codeOf(check(signProof(keys.ES256), request))).toBe('ERR_JWT_ONCE_DPOP');
  });

  it('nonce: a proof without the server nonce gets use_dpop_nonce and a fresh nonce; with it, passes', async () => {
    let current = 'n-1';
    const check = checker({ nonce: { check: (n) => n === current, issue: () => (current = 'n-2') } });
    const refused = await check(signProof(es), request).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'ERR_JWT_ONCE_DPOP_NONCE', nonce: 'n-2', status: 401 });
    expect(await codeOf(check(signProof(es, proofClaims({ nonce: 'n-1' })), request))).toBe('ERR_JWT_ONCE_DPOP_NONCE');
    const proof = signProof(es, proofClaims({ nonce: 'n-2' }));
    expect(await codeOf(check(proof, request))).toBe('passed');
    expect(await codeOf(check(proof, request))).toBe('ERR_JWT_ONCE_DPOP_REUSED');
  });
});

describe('DPoP replay window', () => {
  it('a proof with iat at the future edge is still refused on replay at the last instant it verifies', async () => {
    let now = NOW;
    const store = new MemoryStore({ now: () => now });
    const check = createDpopChecker({ store, now: () => now });
    const proof = signProof(es, proofClaims({ iat: NOW_S + 60 })); // forward-dated by the whole window
    expect(await codeOf(check(proof, request))).toBe('passed');
    // The last instant the proof verifies: iat + 60 s, minus 1 ms. The sweep runs first.
    now = (NOW_S + 120) * 1000 - 1;
    store.sweep(now);
    expect(await refusal(check(proof, request))).toBe('ERR_JWT_ONCE_DPOP_REUSED: The DPoP proof has already been used');
    // One ms later the proof no longer verifies at all: refused as outside the window.
    now += 1;
    expect(await refusal(check(proof, request))).toMatch(/outside the accepted window/);
  });

  it('a proof with iat at the past edge is held as long as it verifies', async () => {
    let now = NOW;
    const store = new MemoryStore({ now: () => now });
    const check = createDpopChecker({ store, now: () => now });
    const proof = signProof(es, proofClaims({ iat: NOW_S - 59 }));
    expect(await codeOf(check(proof, request))).toBe('passed');
    now = (NOW_S + 1) * 1000 - 1;
    store.sweep(now);
    expect(await codeOf(check(proof, request))).toBe('ERR_JWT_ONCE_DPOP_REUSED');
  });
});
