// Scenario: a claim whose key comes from jwks() (warm cache: the key set was
// fetched once from a JWKS server on loopback) vs a claim with the same public
// key given directly as a KeyObject. Both on a MemoryStore, one awaited at a
// time, RS256 and ES256; the difference is the key lookup (decode the header
// and payload, pick the issuer's set, find the kid).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import { createClaimer, jwks, MemoryStore, type KeyInput, type SecretResolver } from '../src/index.js';
import { compare, interleave, log, pick, printMedians, rate, runId } from './harness.js';

const SCENARIO = 'jwks';
const BAR = 0.9;
const ISS = 'https://idp.example';

function signTokens(count: number, key: KeyObject, algorithm: Algorithm, kid: string): string[] {
  const iat = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) =>
    jwt.sign({ iss: ISS, sub: `user-${i % 1000}`, iat, exp: iat + 3600, n: `${runId}:${kid}:${i}` }, key, { algorithm, keyid: kid }),
  );
}

async function compareOne(algorithm: Algorithm, jwksUrl: string, publicKey: KeyObject, privateKey: KeyObject, kid: string): Promise<void> {
  const rounds = pick(5, 11);
  const tokens = signTokens(pick(2_000, 4_000), privateKey, algorithm, kid);
  const resolver = jwks({ issuers: { [ISS]: jwksUrl } });
  let sink = 0;
  const candidate = (name: string, secret: KeyInput | SecretResolver) => ({
    name,
    sample: async () => {
      // A fresh store each round, so every token is fresh again.
      const store = new MemoryStore();
      const claim = createClaimer({ secret, algorithms: [algorithm], store });
      const result = await rate(tokens.length, async () => {
        for (const token of tokens) sink += (await claim(token)).payload.iat! & 1;
      });
      store.close();
      return result;
    },
  });
  const direct = `claimToken ${algorithm}, the key given directly (KeyObject)`;
  const viaJwks = `claimToken ${algorithm}, the key from jwks() (warm cache)`;
  const results = await interleave([candidate(direct, publicKey), candidate(viaJwks, resolver)], rounds);
  if (sink < 0) log('unreachable');
  printMedians(algorithm, results);
  compare(SCENARIO, viaJwks, results.get(viaJwks)!.median, direct, results.get(direct)!.median, BAR);
}

export async function runJwks(): Promise<void> {
  log(`\n## JWKS: a key from jwks() (warm cache) vs the same key given directly (bar >= ${BAR}x)`);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const body = JSON.stringify({
    keys: [
      // A few other keys, as a real set holds during a rotation.
      ...Array.from({ length: 3 }, (_, i) => ({
        ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
        kid: `old-${i}`,
      })),
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig', alg: 'ES256' },
    ],
  });
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  try {
    await compareOne('RS256', url, rsa.publicKey, rsa.privateKey, 'rsa-1');
    await compareOne('ES256', url, ec.publicKey, ec.privateKey, 'ec-1');
    log(`  key set fetches: ${fetches} (one per resolver)`);
  } finally {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
}
