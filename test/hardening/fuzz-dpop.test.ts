// Property tests over the DPoP checker: whatever a client sends, the answer is
// a coded 4xx refusal or a pass that every RFC 9449 s4.3 check allows.
import fc from 'fast-check';
import { createDpopChecker, normalizeHtu } from '../../src/dpop/index.js';
import { JwtOnceError, MemoryStore } from '../../src/index.js';
import { dpopKey, HTU, signProof } from '../helpers/dpop.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW, NOW_S } from '../helpers/tokens.js';

failOnUnhandledRejections();

const RUNS = { numRuns: 200 };
const key = dpopKey('ES256');
const store = new MemoryStore();
const check = createDpopChecker({ store, now: () => NOW });
const request = { method: 'POST', url: HTU };
afterAll(() => store.close());

const DPOP_CODES = ['ERR_JWT_ONCE_DPOP', 'ERR_JWT_ONCE_DPOP_REUSED'];

async function outcome(proof: unknown): Promise<string> {
  try {
    await check(proof as string, request);
    return 'passed';
  } catch (err) {
    if (!(err instanceof JwtOnceError)) throw err;
    expect(err.status).toBe(401);
    return err.code;
  }
}

describe('DPoP checker under hostile input', () => {
  it('random strings, arrays and broken JWS are refused with ERR_JWT_ONCE_DPOP', async () => {
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk })).toString('base64url');
    const inputs = fc.oneof(
      fc.string(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.string().map((s) => `${header}.${Buffer.from(s).toString('base64url')}.c2ln`),
      fc.jsonValue().map((v) => `${Buffer.from(JSON.stringify(v)).toString('base64url')}.e30.c2ln`),
    );
    await fc.assert(
      fc.asyncProperty(inputs, async (proof) => {
        expect(await outcome(proof)).toBe('ERR_JWT_ONCE_DPOP');
      }),
      RUNS,
    );
  });

  it('signed proofs with hostile claims pass only when every check allows them', async () => {
    const likely = <T>(valid: fc.Arbitrary<T>, ...others: fc.Arbitrary<unknown>[]) =>
      fc.oneof({ arbitrary: valid, weight: 3 * others.length }, ...others);
    const claims = fc.record(
      {
        jti: likely(fc.uuid(), fc.constant(''), fc.integer(), fc.string({ minLength: 250, maxLength: 300 })),
        htm: likely(fc.constant('POST'), fc.constantFrom('post', 'GET', ' POST'), fc.constant(undefined)),
        htu: likely(
          fc.constantFrom(HTU, 'HTTPS://SERVER.example.com:443/token', `${HTU}?q#f`),
          fc.constantFrom(`${HTU}/`, 'https://server.example.com:444/token', 'javascript:alert(1)'),
          fc.webUrl(),
          fc.anything(),
        ),
        iat: likely(fc.integer({ min: NOW_S - 120, max: NOW_S + 120 }), fc.double(), fc.constant('now'), fc.constant(null)),
      },
      { requiredKeys: [] },
    );
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(claims, async (c) => {
        const result = await outcome(signProof(key, c));
        if (result === 'passed') {
          passed++;
          expect(typeof c.jti === 'string' && c.jti.length > 0 && c.jti.length <= 256).toBe(true);
          expect(c.htm).toBe('POST');
          expect(normalizeHtu(c.htu)).toBe(HTU);
          expect(typeof c.iat === 'number' && Math.abs(c.iat - NOW_S) <= 60).toBe(true);
        } else {
          expect(DPOP_CODES).toContain(result);
        }
      }),
      RUNS,
    );
    expect(passed).toBeGreaterThan(0); // the property was not vacuous
  });
});
