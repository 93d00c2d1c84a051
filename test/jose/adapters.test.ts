// joseVerifier through every framework's jwtOnce and dpopOnce, over real HTTP.
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { MemoryStore } from '../../src/index.js';
import { joseVerifier } from '../../src/jose/index.js';
import { dpopKey, HTU, proofClaims, signProof } from '../helpers/dpop.js';
import { DPOP_APPS } from '../helpers/dpop-apps.js';
import { FRAMEWORKS, type Served } from '../helpers/frameworks.js';
import { bodyOf, withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW, NOW_S } from '../helpers/tokens.js';

failOnUnhandledRejections();

const ed = generateKeyPairSync('ed25519');
const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe.each(FRAMEWORKS)('jwtOnce with joseVerifier on $name', (framework) => {
  let server: Served | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('EdDSA token: 200, then 401 ERR_JWT_ONCE_REUSED; a bad signature 401 ERR_JWT_ONCE_INVALID', async () => {
    const options = { secret: edPem, algorithms: ['EdDSA'], verifier: joseVerifier, store: new MemoryStore(), now: () => NOW };
    server = await framework.onRoutes(options, [{ method: 'post', path: '/device-login' }]);
    const token = await new SignJWT({ sub: 'device', iat: NOW_S, exp: NOW_S + 60 })
      .setProtectedHeader({ alg: 'EdDSA' })
      .sign(ed.privateKey);
    const first = await withBearer(`${server.url}/device-login`, token);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const second = await withBearer(`${server.url}/device-login`, token);
    expect([second.status, (await bodyOf(second)).code]).toEqual([401, 'ERR_JWT_ONCE_REUSED']);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    const third = await withBearer(`${server.url}/device-login`, forged);
    expect([third.status, (await bodyOf(third)).code]).toEqual([401, 'ERR_JWT_ONCE_INVALID']);
    expect(server.reached.count).toBe(1);
  });
});

describe.each(DPOP_APPS)('dpopOnce with joseVerifier on %s', (_name, start) => {
  it('an EdDSA proof passes once, its replay is 401', async () => {
    const app = await start(
      { store: new MemoryStore(), now: () => NOW, algorithms: ['EdDSA'], verifier: joseVerifier, origin: new URL(HTU).origin },
      [{ method: 'post', path: '/token' }],
    );
    try {
      const proof = signProof(dpopKey('EdDSA'), proofClaims());
      const present = () => fetch(`${app.url}/token`, { method: 'POST', headers: { dpop: proof } });
      const first = await present();
      expect(first.status).toBe(200);
      await first.arrayBuffer();
      const second = await present();
      expect([second.status, (await bodyOf(second)).code]).toEqual([401, 'ERR_JWT_ONCE_DPOP_REUSED']);
    } finally {
      await app.close();
    }
  });
});
