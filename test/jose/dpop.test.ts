import { ConfigError, MemoryStore } from '../../src/index.js';
import { createDpopChecker, jwkThumbprint } from '../../src/dpop/index.js';
import { joseVerifier } from '../../src/jose/index.js';
import { dpopKey, HTU, proofClaims, signProof } from '../helpers/dpop.js';
import { NOW } from '../helpers/tokens.js';

const request = { method: 'POST', url: HTU };

describe('DPoP proofs verified by joseVerifier', () => {
  it('checks an EdDSA (Ed25519) proof once: its thumbprint is RFC 8037 s2 (crv, kty, x); a replay is refused', async () => {
    const key = dpopKey('EdDSA');
    const check = createDpopChecker({ store: new MemoryStore(), now: () => NOW, algorithms: ['EdDSA'], verifier: joseVerifier });
    const proof = signProof(key);
    const won = await check(proof, request);
    expect(won.thumbprint).toBe(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x! }));
    await expect(check(proof, request)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_DPOP_REUSED', status: 401 });
  });

  it('refuses an EdDSA proof with a forged signature, a wrong curve, or private key material', async () => {
    const key = dpopKey('EdDSA');
    const check = createDpopChecker({ store: new MemoryStore(), now: () => NOW, algorithms: ['EdDSA'], verifier: joseVerifier });
    const other = dpopKey('EdDSA');
    const forged = signProof({ ...other, jwk: key.jwk });
    await expect(check(forged, request)).rejects.toMatchObject({
      code: 'ERR_JWT_ONCE_DPOP',
      message: 'The DPoP proof does not verify: invalid signature',
    });
    await expect(check(signProof(key, proofClaims(), { jwk: { ...key.jwk, crv: 'Ed448' } }), request)).rejects.toMatchObject({
      code: 'ERR_JWT_ONCE_DPOP',
    });
    await expect(check(signProof(key, proofClaims(), { jwk: { ...key.jwk, d: key.jwk.x } }), request)).rejects.toMatchObject({
      code: 'ERR_JWT_ONCE_DPOP',
    });
  });

  it('keeps every other RFC 9449 check: htm, htu and iat window', async () => {
    const key = dpopKey('EdDSA');
    const check = createDpopChecker({ store: new MemoryStore(), now: () => NOW, algorithms: ['EdDSA'], verifier: joseVerifier });
    for (const claims of [
      proofClaims({ htm: 'GET' }),
      proofClaims({ htu: 'https://elsewhere.example/token' }),
      proofClaims({ iat: NOW / 1000 - 3600 }),
    ]) {
      await expect(check(signProof(key, claims), request)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_DPOP' });
    }
  });

  it('one proof of 500 concurrent presentations wins with jose as with jsonwebtoken (ES256)', async () => {
    for (const verifier of [undefined, joseVerifier]) {
      const check = createDpopChecker({ store: new MemoryStore(), now: () => NOW, ...(verifier && { verifier }) });
      const proof = signProof(dpopKey('ES256'));
      const results = await Promise.allSettled(Array.from({ length: 500 }, () => check(proof, request)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    }
  });

  it('without a verifier, EdDSA in `algorithms` is a ConfigError naming joseVerifier; Ed448 is refused either way', () => {
    expect(() => createDpopChecker({ algorithms: ['EdDSA'] })).toThrow(/joseVerifier/);
    expect(() => createDpopChecker({ algorithms: ['Ed448' as 'EdDSA'], verifier: joseVerifier })).toThrow(ConfigError);
    expect(() => createDpopChecker({ verifier: 'jose' as never })).toThrow(/TokenVerifier/);
  });
});
