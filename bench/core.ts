// Scenario 1: the cost of the replay layer on top of verification.
// claimToken (createClaimer, memory store) vs bare jsonwebtoken.verify with a
// KeyObject made once: the fastest way a user verifies with jsonwebtoken.
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import { createClaimer, MemoryStore } from '../src/index.js';
import { compare, interleave, log, pick, printMedians, rate, signTokens, storeRates } from './harness.js';

const SCENARIO = 'core';
const BAR = 0.8;

interface Setup {
  algorithm: Algorithm;
  signKey: KeyObject;
  verifyKey: KeyObject;
  /** What the user configures jwt-once with. */
  secret: string | KeyObject;
  batch: number;
}

async function compareOne({ algorithm, signKey, verifyKey, secret, batch }: Setup): Promise<number> {
  const rounds = pick(5, 11);
  const tokens = signTokens(batch, signKey, algorithm);
  let store = new MemoryStore();
  let claim = createClaimer({ secret, algorithms: [algorithm], store });
  const verifyOptions = { algorithms: [algorithm] };
  let sink = 0;

  const results = await interleave(
    [
      {
        name: 'jsonwebtoken.verify (KeyObject)',
        sample: () =>
          rate(tokens.length, () => {
            for (const token of tokens) sink += (jwt.verify(token, verifyKey, verifyOptions) as { iat: number }).iat & 1;
          }),
      },
      {
        name: 'claimToken (memory store)',
        sample: async () => {
          // A fresh store each round, so every token is fresh again (a closed store refuses: it never forgets).
          store.close();
          store = new MemoryStore();
          claim = createClaimer({ secret, algorithms: [algorithm], store });
          return rate(tokens.length, async () => {
            for (const token of tokens) sink += (await claim(token)).payload.iat! & 1;
          });
        },
      },
    ],
    rounds,
  );
  store.close();
  if (sink < 0) log('unreachable');
  printMedians(algorithm, results);
  const bare = results.get('jsonwebtoken.verify (KeyObject)')!.median;
  const ours = results.get('claimToken (memory store)')!.median;
  compare(SCENARIO, `claimToken ${algorithm}, memory store`, ours, `jsonwebtoken.verify ${algorithm} (KeyObject)`, bare, BAR);
  return ours;
}

export async function runCore(): Promise<void> {
  log(`\n## 1. Core overhead: claimToken vs bare jsonwebtoken.verify (bar >= ${BAR}x)`);
  const hsSecret = 'a-string-secret-a-user-would-paste-in-here-32+chars';
  const hsKey = createSecretKey(Buffer.from(hsSecret, 'utf8'));
  const hs = await compareOne({ algorithm: 'HS256', signKey: hsKey, verifyKey: hsKey, secret: hsSecret, batch: pick(10_000, 20_000) });
  storeRates.push({ store: 'memory (HS256)', rate: hs });

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await compareOne({ algorithm: 'ES256', signKey: ec.privateKey, verifyKey: ec.publicKey, secret: publicPem, batch: pick(2_000, 4_000) });
}
