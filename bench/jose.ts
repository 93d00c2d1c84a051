// Scenario: the verifier. claimToken with joseVerifier (jwt-once/jose) vs bare
// jose.jwtVerify, beside claimToken with jsonwebtoken vs bare jwt.verify, in
// one run: the replay layer's cost under each verifier, and what jose costs
// or saves against jsonwebtoken. EdDSA has no jsonwebtoken row: it has none.
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import jwt, { type Algorithm } from 'jsonwebtoken';
import { createClaimer, MemoryStore, type Claimer } from '../src/index.js';
import { joseVerifier } from '../src/jose/index.js';
import { compare, interleave, log, pick, printMedians, rate, signTokens } from './harness.js';

const SCENARIO = 'jose';
const BAR = 0.8;

async function edTokens(count: number, key: KeyObject): Promise<string[]> {
  const iat = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await new SignJWT({ sub: `user-${i % 1000}`, iat, exp: iat + 3600, n: `${iat}:${i}` }).setProtectedHeader({ alg: 'EdDSA' }).sign(key),
    );
  }
  return out;
}

/** A fresh claimer on a fresh store per sample, so every token is new again. */
function freshClaimer(secret: string | KeyObject, algorithm: string, jose: boolean): Claimer {
  return createClaimer({ secret, algorithms: [algorithm as Algorithm], store: new MemoryStore(), ...(jose && { verifier: joseVerifier }) });
}

async function compareOne(algorithm: string, tokens: string[], verifyKey: KeyObject, secret: string | KeyObject): Promise<void> {
  const rounds = pick(5, 11);
  const withJwt = algorithm !== 'EdDSA';
  let sink = 0;
  const claimAll = (jose: boolean) => {
    const claim = freshClaimer(secret, algorithm, jose);
    return rate(tokens.length, async () => {
      for (const token of tokens) sink += (await claim(token)).payload.iat! & 1;
    });
  };
  const candidates = [
    {
      name: 'jose.jwtVerify (KeyObject)',
      sample: () =>
        rate(tokens.length, async () => {
          for (const token of tokens) sink += (await jwtVerify(token, verifyKey, { algorithms: [algorithm] })).payload.iat! & 1;
        }),
    },
    { name: 'claimToken, joseVerifier', sample: () => claimAll(true) },
    ...(withJwt
      ? [
          {
            name: 'jsonwebtoken.verify (KeyObject)',
            sample: () =>
              rate(tokens.length, () => {
                for (const token of tokens)
                  sink += (jwt.verify(token, verifyKey, { algorithms: [algorithm as Algorithm] }) as { iat: number }).iat & 1;
              }),
          },
          { name: 'claimToken, jsonwebtoken', sample: () => claimAll(false) },
        ]
      : []),
  ];
  const results = await interleave(candidates, rounds);
  if (sink < 0) log('unreachable');
  printMedians(algorithm, results);
  const median = (name: string) => results.get(name)!.median;
  compare(
    SCENARIO,
    `claimToken ${algorithm}, joseVerifier`,
    median('claimToken, joseVerifier'),
    `jose.jwtVerify ${algorithm}`,
    median('jose.jwtVerify (KeyObject)'),
    BAR,
  );
  if (withJwt) {
    compare(
      SCENARIO,
      `claimToken ${algorithm}, jsonwebtoken`,
      median('claimToken, jsonwebtoken'),
      `jsonwebtoken.verify ${algorithm}`,
      median('jsonwebtoken.verify (KeyObject)'),
      BAR,
    );
    compare(
      SCENARIO,
      `claimToken ${algorithm}: joseVerifier`,
      median('claimToken, joseVerifier'),
      'the same with jsonwebtoken',
      median('claimToken, jsonwebtoken'),
      undefined,
    );
  }
}

export async function runJose(): Promise<void> {
  log(`\n## Verifier: claimToken with joseVerifier vs bare jose.jwtVerify, beside jsonwebtoken (bar >= ${BAR}x)`);
  const hsSecret = 'a-string-secret-a-user-would-paste-in-here-32+chars';
  const hsKey = createSecretKey(Buffer.from(hsSecret, 'utf8'));
  await compareOne('HS256', signTokens(pick(5_000, 20_000), hsKey, 'HS256'), hsKey, hsSecret);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await compareOne(
    'ES256',
    signTokens(pick(1_000, 4_000), ec.privateKey, 'ES256'),
    ec.publicKey,
    ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  const ed = generateKeyPairSync('ed25519');
  await compareOne(
    'EdDSA',
    await edTokens(pick(1_000, 4_000), ed.privateKey),
    ed.publicKey,
    ed.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
}
