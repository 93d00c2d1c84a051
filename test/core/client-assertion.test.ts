// The private_key_jwt / RFC 7523 recipe of docs/guides/client-assertions.md, as written there, exercised.
import type { KeyObject } from 'node:crypto';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { createClaimer, MemoryStore } from '../../src/index.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { ecKeys, NOW, NOW_S, rsaKeys, signWith } from '../helpers/tokens.js';

failOnUnhandledRejections();

const TOKEN_ENDPOINT = 'https://as.example.com/token';
const alice = ecKeys();
const bob = rsaKeys();
const store = new MemoryStore();
afterAll(() => store.close());

// --- the recipe (docs/guides/client-assertions.md) ---
const clientKeys = new Map<string, KeyObject>([
  ['client-alice', alice.publicKey],
  ['client-bob', bob.publicKey],
]);

const claimClientAssertion = createClaimer({
  algorithms: ['ES256', 'RS256', 'PS256'],
  // The key registered for the client the assertion names; the signature then proves it.
  secret: (_header, payload) => {
    const key = typeof payload.iss === 'string' ? clientKeys.get(payload.iss) : undefined;
    if (key === undefined) throw new Error('unknown client');
    return key;
  },
  audience: TOKEN_ENDPOINT, // RFC 7523 s3: aud identifies the authorization server
  maxTtl: 300, // an assertion that lives longer is refused, not held for hours
  scope: 'client-assertion',
  // iss = sub = client id; jti is required (exp is already required by jwt-once).
  validate: (payload: JwtPayload) => typeof payload.jti === 'string' && payload.iss === payload.sub,
  store,
  now: () => NOW, // tests only
});
// --- end of the recipe ---

const assertion = (keys: { privateKey: KeyObject }, alg: 'ES256' | 'RS256', claims: Record<string, unknown>, ttl = 60) =>
  signWith(keys.privateKey, alg, { aud: TOKEN_ENDPOINT, ...claims }, ttl);

describe('client assertions (private_key_jwt, RFC 7523)', () => {
  it('passes once under the replay key (iss, jti)', async () => {
    const token = assertion(alice, 'ES256', { iss: 'client-alice', sub: 'client-alice', jti: 'a-1' });
    const claim = await claimClientAssertion(token);
    expect(claim.key).toBe('16:client-assertion:jti:12:client-alice:a-1');
    expect(await codeOf(claimClientAssertion(token))).toBe('ERR_JWT_ONCE_REUSED');
    // A second assertion re-signed with the same jti is the same claim.
    const again = assertion(alice, 'ES256', { iss: 'client-alice', sub: 'client-alice', jti: 'a-1' });
    expect(await codeOf(claimClientAssertion(again))).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('two clients using the same jti do not collide', async () => {
    const a = assertion(alice, 'ES256', { iss: 'client-alice', sub: 'client-alice', jti: 'same' });
    const b = assertion(bob, 'RS256', { iss: 'client-bob', sub: 'client-bob', jti: 'same' });
    expect(await codeOf(claimClientAssertion(a))).toBe('passed');
    expect(await codeOf(claimClientAssertion(b))).toBe('passed');
  });

  it.each([
    ['no jti', { iss: 'client-alice', sub: 'client-alice' }, 60, 'ERR_JWT_ONCE_INVALID'],
    ['sub differs from iss', { iss: 'client-alice', sub: 'client-bob', jti: 'x1' }, 60, 'ERR_JWT_ONCE_INVALID'],
    [
      'another audience',
      { iss: 'client-alice', sub: 'client-alice', jti: 'x2', aud: 'https://other.example/token' },
      60,
      'ERR_JWT_ONCE_INVALID',
    ],
    ['an unknown client', { iss: 'client-eve', sub: 'client-eve', jti: 'x3' }, 60, 'ERR_JWT_ONCE_INVALID'],
    ['a lifetime above maxTtl', { iss: 'client-alice', sub: 'client-alice', jti: 'x4' }, 301, 'ERR_JWT_ONCE_INVALID'],
    ['an expired assertion', { iss: 'client-alice', sub: 'client-alice', jti: 'x5' }, -1, 'ERR_JWT_ONCE_EXPIRED'],
  ])('refuses %s', async (_, claims, ttl, code) => {
    expect(await codeOf(claimClientAssertion(assertion(alice, 'ES256', claims, ttl)))).toBe(code);
  });

  it('refuses an assertion without exp', async () => {
    const claims = { iat: NOW_S, aud: TOKEN_ENDPOINT, iss: 'client-alice', sub: 'client-alice', jti: 'x6' };
    const noExp = jwt.sign(claims, alice.privateKey.export({ type: 'pkcs8', format: 'pem' }), { algorithm: 'ES256' });
    expect(await codeOf(claimClientAssertion(noExp))).toBe('ERR_JWT_ONCE_INVALID');
  });

  it("an assertion signed by another client's key is refused", async () => {
    const forged = assertion(bob, 'RS256', { iss: 'client-alice', sub: 'client-alice', jti: 'x7' });
    expect(await codeOf(claimClientAssertion(forged))).toBe('ERR_JWT_ONCE_INVALID');
  });
});
