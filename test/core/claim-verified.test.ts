import jwt from 'jsonwebtoken';
import { claimToken, claimVerified, createVerifiedClaimer, MemoryStore, type VerifiedClaimOptions } from '../../src/index.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';
import { codeOf } from '../helpers/outcome.js';

const decoded = (token: string) => jwt.decode(token) as jwt.JwtPayload;

describe('claimVerified (behind a verifier)', () => {
  const opts = (): VerifiedClaimOptions => ({ store: new MemoryStore(), now: () => NOW });

  it('claims once under the same key claimToken would use', async () => {
    const o = opts();
    const token = hsToken({ sub: 'alice' });
    const claim = await claimVerified(token, decoded(token), o);
    expect(await codeOf(claimVerified(token, decoded(token), o))).toBe('ERR_JWT_ONCE_REUSED');
    const verifying = await claimToken(token, { secret: HS_SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW });
    expect(claim.key).toBe(verifying.key);
  });

  it('refuses when no verifier ran (no payload), and claims nothing', async () => {
    const store = new MemoryStore();
    expect(await codeOf(claimVerified(hsToken(), undefined, { store, now: () => NOW }))).toBe('ERR_JWT_ONCE_INVALID');
    expect(store.size).toBe(0);
  });

  it('refuses a token whose payload is not the one the verifier accepted', async () => {
    const store = new MemoryStore();
    const verified = hsToken({ sub: 'alice' });
    const other = hsToken({ sub: 'mallory' });
    expect(await codeOf(claimVerified(other, decoded(verified), { store, now: () => NOW }))).toBe('ERR_JWT_ONCE_INVALID');
    expect(store.size).toBe(0);
  });

  it('applies the same lifetime rules: expired and unbounded tokens are refused', async () => {
    const expired = hsToken({}, -5);
    expect(await codeOf(claimVerified(expired, decoded(expired), opts()))).toBe('ERR_JWT_ONCE_EXPIRED');
    const noExp = jwt.sign({ sub: 'x', iat: NOW / 1000 }, HS_SECRET);
    expect(await codeOf(claimVerified(noExp, decoded(noExp), opts()))).toBe('ERR_JWT_ONCE_INVALID');
  });

  it('throws at creation when given verifier options it would ignore', () => {
    expect(() => createVerifiedClaimer({ secret: HS_SECRET } as unknown as VerifiedClaimOptions)).toThrow(
      /not used when claiming already-verified tokens/,
    );
  });
});
