// RFC 9449 s4.3 check 4: the proof's `typ` is `dpop+jwt`. Other JWTs (an ID
// token, an RFC 9068 access token) signed by the same key are not proofs.
//
// Case: RFC 7515 s4.1.9 (after RFC 2045) makes media types case-insensitive and
// `dpop+jwt` equivalent to `application/dpop+jwt`. jwt-once deliberately
// compares the exact string RFC 9449 s4.2 defines, `dpop+jwt` (README: "typ
// exactly dpop+jwt"): every client library sends that spelling, and explicit
// typing (RFC 8725 s3.11) gains nothing from accepting variants. The variants
// are tested below so that the choice cannot change unnoticed.
import { createDpopChecker, type DpopOptions } from '../../src/dpop/index.js';
import { MemoryStore } from '../../src/index.js';
import { dpopKey, HTU, proofClaims, signProof } from '../helpers/dpop.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const key = dpopKey('ES256');
const request = { method: 'POST', url: HTU };

function checker(options: DpopOptions = {}) {
  return createDpopChecker({ store: new MemoryStore(), now: () => NOW, ...options });
}

async function outcome(header: Record<string, unknown>): Promise<string> {
  try {
    await checker()(signProof(key, proofClaims(), header), request);
    return 'passed';
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
}

describe('DPoP proof typ', () => {
  it('typ dpop+jwt: passes (the control: the proofs below differ only in typ)', async () => {
    expect(await outcome({ typ: 'dpop+jwt' })).toBe('passed');
  });

  it.each([
    ['JWT (an ID token or any plain JWT)', 'JWT'],
    ['at+jwt (an RFC 9068 access token)', 'at+jwt'],
    ['DPoP+JWT (another case: exact comparison, see the top of this file)', 'DPoP+JWT'],
    ['dpop+JWT', 'dpop+JWT'],
    ['application/dpop+jwt (the same media type, spelled in full)', 'application/dpop+jwt'],
    ['dpop+jwt with a trailing space', 'dpop+jwt '],
  ])('typ %s: refused with ERR_JWT_ONCE_DPOP', async (_, typ) => {
    expect(await outcome({ typ })).toBe('ERR_JWT_ONCE_DPOP: The DPoP proof typ must be dpop+jwt');
  });

  it.each([
    ['no typ', undefined],
    ['typ null', null],
    ['typ an array', ['dpop+jwt']],
  ])('%s: refused with ERR_JWT_ONCE_DPOP', async (_, typ) => {
    expect(await outcome({ typ })).toBe('ERR_JWT_ONCE_DPOP: The DPoP proof typ must be dpop+jwt');
  });
});
