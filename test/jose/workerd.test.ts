// EdDSA and RSA-PSS in workerd, where jsonwebtoken cannot verify them: the
// sources bundled as wrangler would (nodejs_compat), once with joseVerifier
// and once without, served by workerd, each token presented twice over HTTP.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { bundleForWorkers, COMPATIBILITY, findWorkerd, optionalPeers, startWorkerd, WORKERD_INSTALL } from '../package/edge.js';
import { NOW_S } from '../helpers/tokens.js';

const WORKERD = findWorkerd();
const REQUIRE_WORKERD = process.env.JWT_ONCE_REQUIRE_WORKERD === '1';
const inWorkerd = WORKERD !== undefined || REQUIRE_WORKERD ? it : it.skip;
if (WORKERD === undefined && !REQUIRE_WORKERD) {
  // eslint-disable-next-line no-console -- says why the workerd run is skipped
  console.warn(`[jwt-once tests] skipping the jose workerd run: no workerd binary found; ${WORKERD_INSTALL}`);
}

const ALGORITHMS = ['EdDSA', 'PS256', 'PS384', 'PS512', 'RS256', 'ES256'] as const;
type Alg = (typeof ALGORITHMS)[number];

function keyPair(alg: Alg) {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

const src = (path: string) => JSON.stringify(resolve(__dirname, '../../src', path));

/** A Worker answering POST /<verifier>/<alg>: 200 with the claim, else the refusal's status and code. */
function workerSource(pems: Record<Alg, string>): string {
  return `import { createClaimer, MemoryStore } from ${src('index.ts')};
import { joseVerifier } from ${src('jose/index.ts')};
const pems = ${JSON.stringify(pems)};
const store = new MemoryStore();
const claimers = {};
for (const [alg, secret] of Object.entries(pems)) {
  claimers['jose/' + alg] = createClaimer({ secret, algorithms: [alg], store, verifier: joseVerifier });
  if (alg !== 'EdDSA') claimers['jsonwebtoken/' + alg] = createClaimer({ secret, algorithms: [alg], store: new MemoryStore() });
}
export default {
  async fetch(request) {
    const claimer = claimers[new URL(request.url).pathname.slice(1)];
    const token = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '');
    try {
      const claim = await claimer(token);
      return Response.json({ sub: claim.payload.sub });
    } catch (err) {
      return Response.json({ code: err.code ?? String(err) }, { status: err.status ?? 500 });
    }
  },
};
`;
}

describe('joseVerifier in workerd (bundled from the sources, nodejs_compat)', () => {
  let dir: string;
  const tokens = {} as Record<Alg, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-jose-workerd-'));
    const pems = {} as Record<Alg, string>;
    for (const alg of ALGORITHMS) {
      const { privateKey, publicKey } = keyPair(alg);
      pems[alg] = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      tokens[alg] = await new SignJWT({ sub: `sub-${alg}`, jti: randomUUID(), iat: NOW_S, exp: Math.floor(Date.now() / 1000) + 600 })
        .setProtectedHeader({ alg })
        .sign(privateKey);
    }
    writeFileSync(join(dir, 'entry.mjs'), workerSource(pems));
    // The bundle must not pull in the stores' optional peers (jose itself is bundled: it is what is under test).
    await bundleForWorkers(join(dir, 'entry.mjs'), join(dir, 'worker.mjs'), optionalPeers(['jose']));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  inWorkerd(`EdDSA and PS256/384/512 pass once through joseVerifier in workerd (${COMPATIBILITY.flags.join(', ')})`, async () => {
    if (WORKERD === undefined) throw new Error(`no workerd binary found, and JWT_ONCE_REQUIRE_WORKERD=1 requires one: ${WORKERD_INSTALL}`);
    const server = await startWorkerd(WORKERD, dir);
    const present = async (path: string, token: string) => {
      const res = await fetch(`${server.url}/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      return [res.status, ((await res.json()) as { code?: string }).code ?? 'passed'];
    };
    try {
      for (const alg of ALGORITHMS) {
        expect([alg, await present(`jose/${alg}`, tokens[alg]), await present(`jose/${alg}`, tokens[alg])]).toEqual([
          alg,
          [200, 'passed'],
          [401, 'ERR_JWT_ONCE_REUSED'],
        ]);
      }
      // The reason for the verifier, measured: without it, RSA-PSS never verifies in workerd (refused, never passed).
      for (const alg of ['PS256', 'PS384', 'PS512'] as const) {
        expect([alg, await present(`jsonwebtoken/${alg}`, tokens[alg])]).toEqual([alg, [401, 'ERR_JWT_ONCE_INVALID']]);
      }
      expect(await present('jsonwebtoken/RS256', tokens.RS256)).toEqual([200, 'passed']);
    } finally {
      await server.stop();
    }
  });
});
