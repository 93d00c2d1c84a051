// Scenario: DPoP proofs (RFC 9449) checked and claimed per second: createDpopChecker
// (ES256, memory store: every s4.3 check, the RFC 7638 thumbprint, htu
// normalisation, the claim) vs bare jsonwebtoken.verify of the same proofs with
// a KeyObject made once from each JWK, the least a server must do with a proof.
import { createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createDpopChecker } from '../src/dpop/index.js';
import { MemoryStore } from '../src/index.js';
import { compare, interleave, log, pick, printMedians, rate } from './harness.js';

const SCENARIO = 'dpop';
const BAR = 0.7;
const HTU = 'https://server.example.com/token';
const KEYS = 8;

interface Proof {
  proof: string;
  key: KeyObject;
}

function makeProofs(count: number): Proof[] {
  const keys = Array.from({ length: KEYS }, () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pair.publicKey.export({ format: 'jwk' });
    // The baseline's key: a KeyObject made once from the JWK, as a user would cache it.
    return { privateKey: pair.privateKey, jwk, fromJwk: createPublicKey({ key: jwk, format: 'jwk' }) };
  });
  const iat = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const out = new Array<Proof>(count);
  for (let i = 0; i < count; i++) {
    const k = keys[i % KEYS]!;
    const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: k.jwk })}.${b64({ jti: randomUUID(), htm: 'POST', htu: HTU, iat })}`;
    const signature = sign('sha256', Buffer.from(input), { key: k.privateKey, dsaEncoding: 'ieee-p1363' });
    out[i] = { proof: `${input}.${signature.toString('base64url')}`, key: k.fromJwk };
  }
  return out;
}

export async function runDpop(): Promise<void> {
  log(`\n## DPoP: proofs checked and claimed vs bare jsonwebtoken.verify (ES256, bar >= ${BAR}x)`);
  // Short samples, many rounds: on a shared machine, load drifts less within one pair of samples.
  const proofs = makeProofs(1_000);
  let store = new MemoryStore();
  // A wide window so that proofs signed once stay valid for every round of a long run.
  let check = createDpopChecker({ store, iatWindow: 3600 });
  const request = { method: 'POST', url: HTU };
  const verifyOptions = { algorithms: ['ES256' as const] };
  let sink = 0;

  const results = await interleave(
    [
      {
        name: 'jsonwebtoken.verify (KeyObject)',
        sample: () =>
          rate(proofs.length, () => {
            for (const p of proofs) sink += (jwt.verify(p.proof, p.key, verifyOptions) as { iat: number }).iat & 1;
          }),
      },
      {
        name: 'createDpopChecker (memory store)',
        sample: async () => {
          // A fresh store each round, so every proof is fresh again (a closed store refuses: it never forgets).
          store.close();
          store = new MemoryStore();
          check = createDpopChecker({ store, iatWindow: 3600 });
          return rate(proofs.length, async () => {
            for (const p of proofs) sink += (await check(p.proof, request)).claim.payload.iat! & 1;
          });
        },
      },
    ],
    pick(7, 21),
  );
  store.close();
  if (sink < 0) log('unreachable');
  printMedians('ES256 DPoP', results);
  compare(
    SCENARIO,
    'DPoP proof checked and claimed, ES256, memory store',
    results.get('createDpopChecker (memory store)')!.median,
    'jsonwebtoken.verify ES256 (KeyObject from the JWK)',
    results.get('jsonwebtoken.verify (KeyObject)')!.median,
    BAR,
  );
}
