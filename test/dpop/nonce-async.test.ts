// Server nonces (RFC 9449 s8) with asynchronous callbacks: `nonce.check`
// resolving false refuses with use_dpop_nonce and the issued nonce; a `check`
// that rejects fails the request, never lets the proof through.
import { createServer } from 'node:http';
import express from 'express';
import { createDpopChecker, errorResponse, type DpopNonceOptions, type JwtOnceError } from '../../src/dpop/index.js';
import { dpopOnce } from '../../adapters/express/dpop-once.js';
import { MemoryStore } from '../../src/index.js';
import { dpopKey, HTU, proofClaims, signProof } from '../helpers/dpop.js';
import { listen } from '../helpers/http.js';
import { codeOf, failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const key = dpopKey('ES256');
const request = { method: 'POST', url: HTU };

function checker(nonce: DpopNonceOptions, store = new MemoryStore()) {
  return createDpopChecker({ store, now: () => NOW, nonce });
}

describe('DPoP nonce: asynchronous check and issue', () => {
  it('check resolving false: ERR_JWT_ONCE_DPOP_NONCE, the issued nonce, and DPoP-Nonce: n-1 in the answer', async () => {
    const check = checker({ check: async () => false, issue: async () => 'n-1' });
    const err = (await check(signProof(key, proofClaims({ nonce: 'stale' })), request).then(
      () => undefined,
      (e: unknown) => e,
    )) as JwtOnceError & { nonce?: string };
    expect(err).toMatchObject({ code: 'ERR_JWT_ONCE_DPOP_NONCE', status: 401, nonce: 'n-1' });
    const answer = errorResponse(err);
    expect(answer.status).toBe(401);
    expect(answer.headers['dpop-nonce']).toBe('n-1');
    expect(answer.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce"/);
  });

  it('check resolving false, without a nonce in the proof: refused the same way', async () => {
    const check = checker({ check: async () => false, issue: async () => 'n-1' });
    expect(await codeOf(check(signProof(key), request))).toBe('ERR_JWT_ONCE_DPOP_NONCE');
  });

  it('a refused proof is not claimed: once check accepts, the same proof passes, then is a replay', async () => {
    let accept = false;
    const check = checker({ check: async () => accept, issue: async () => 'n-1' });
    const proof = signProof(key, proofClaims({ nonce: 'n-1' }));
    expect(await codeOf(check(proof, request))).toBe('ERR_JWT_ONCE_DPOP_NONCE');
    accept = true;
    expect(await codeOf(check(proof, request))).toBe('passed');
    expect(await codeOf(check(proof, request))).toBe('ERR_JWT_ONCE_DPOP_REUSED');
  });

  it('check rejecting: the request fails with that error, never passes, and nothing is claimed', async () => {
    const down = new Error('nonce store down');
    const store = new MemoryStore();
    let reject = true;
    const check = checker(
      {
        check: async (n) => {
          if (reject) throw down;
          return n === 'n-1';
        },
        issue: async () => 'n-1',
      },
      store,
    );
    const proof = signProof(key, proofClaims({ nonce: 'n-1' }));
    await expect(check(proof, request)).rejects.toBe(down);
    reject = false;
    expect(await codeOf(check(proof, request))).toBe('passed');
  });

  it('issue rejecting after check refused: the request fails with that error', async () => {
    const down = new Error('nonce store down');
    const check = checker({ check: async () => false, issue: async () => Promise.reject(down) });
    await expect(check(signProof(key), request)).rejects.toBe(down);
  });

  it('over real HTTP (Express): 401 use_dpop_nonce with DPoP-Nonce: n-1; a rejecting check is a 500, not a pass', async () => {
    const store = new MemoryStore();
    let fail = false;
    const app = express();
    const nonce = {
      check: async () => {
        if (fail) throw new Error('nonce store down');
        return false;
      },
      issue: async () => 'n-1',
    };
    app.post('/token', dpopOnce({ store, now: () => NOW, nonce }), (_req, res) => {
      res.json({ passed: true });
    });
    app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: 'internal' });
    });
    const server = await listen(createServer(app));
    try {
      const htu = `${server.url}/token`;
      const send = () => fetch(htu, { method: 'POST', headers: { dpop: signProof(key, proofClaims({ htu, nonce: 'x' })) } });
      const refused = await send();
      expect(refused.status).toBe(401);
      expect(refused.headers.get('dpop-nonce')).toBe('n-1');
      expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
      expect(await refused.json()).toMatchObject({ code: 'ERR_JWT_ONCE_DPOP_NONCE' });
      fail = true;
      const failed = await send();
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ error: 'internal' });
    } finally {
      await server.close();
      store.close();
    }
  });
});
