// DPoP without `origin`: the adapters build the URL compared with `htu` from
// the Host header, which the client chooses. A Host header that is not a plain
// host[:port] must not move the path: `Host: 127.0.0.1:P/token?` on
// `POST /admin` once made `http://127.0.0.1:P/token?/admin`, compared as
// `/token`, and a proof made for /token ran the /admin handler.
import { MemoryStore } from '../../src/index.js';
import { dpopKey, proofClaims, signProof } from '../helpers/dpop.js';
import { DPOP_APPS, rawRequest, type DpopApp, type RawAnswer } from '../helpers/dpop-apps.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const key = dpopKey('ES256');
const routes = [
  { method: 'post', path: '/token' },
  { method: 'post', path: '/admin' },
] as const;

/** Refused before any handler ran: a 400 or 401, a code when jwt-once answered, and no echo of the forged host. */
function expectRefused(answer: RawAnswer, forged: string): void {
  expect([400, 401]).toContain(answer.status);
  expect(answer.body).not.toContain('"route"');
  expect(answer.body).not.toContain(forged);
  expect(JSON.stringify(answer.headers)).not.toContain(forged);
  if (answer.status === 401) expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_JWT_ONCE_DPOP' });
}

describe.each(DPOP_APPS)('%s dpopOnce without origin: the Host header', (_, start) => {
  let app: DpopApp;
  const store = new MemoryStore();

  beforeAll(async () => {
    app = await start({ store, now: () => NOW }, [...routes]);
  });
  afterAll(async () => {
    await app.close();
    store.close();
  });

  const proofFor = (htu: string) => signProof(key, proofClaims({ htu }));

  it('a proof for /token sent to POST /admin with Host: 127.0.0.1:P/token? is refused', async () => {
    const forged = `127.0.0.1:${app.port}/token?`;
    const answer = await rawRequest(app.port, 'POST', '/admin', { host: forged, dpop: proofFor(`http://127.0.0.1:${app.port}/token`) });
    expectRefused(answer, forged);
  });

  it.each([
    ['/token#', (p: number) => `127.0.0.1:${p}/token#`],
    ['/token/..', (p: number) => `127.0.0.1:${p}/token/..`],
    ['\\token?', (p: number) => `127.0.0.1:${p}\\token?`],
    ['a space', (p: number) => `127.0.0.1:${p} /token?`],
    ['a non-numeric port', () => '127.0.0.1:80x'],
    ['a port above 65535', () => '127.0.0.1:65536'],
    ['an IPv6 literal without brackets', (p: number) => `::1:${p}`],
  ])('a Host header with %s is refused, whatever the proof', async (_, host) => {
    const forged = host(app.port);
    for (const htu of [`http://127.0.0.1:${app.port}/token`, `http://127.0.0.1:${app.port}/admin`, `http://${forged}/admin`]) {
      expectRefused(await rawRequest(app.port, 'POST', '/admin', { host: forged, dpop: proofFor(htu) }), forged);
    }
  });

  it('a Host header with a user info never moves the path (Koa drops the user info from ctx.host, the others refuse)', async () => {
    const forged = `evil@127.0.0.1:${app.port}`;
    for (const htu of [`http://127.0.0.1:${app.port}/token`, `http://${forged}/token`]) {
      expectRefused(await rawRequest(app.port, 'POST', '/admin', { host: forged, dpop: proofFor(htu) }), forged);
    }
  });

  it('an empty Host header: refused, not read as a URL without a host', async () => {
    // The URL once became http:///admin, parsed as http://admin/: a proof for http://admin/ passed.
    expectRefused(await rawRequest(app.port, 'POST', '/admin', { host: '', dpop: proofFor('http://admin/') }), 'http://admin');
  });

  it.each([
    ['127.0.0.1:P', (p: number) => `127.0.0.1:${p}`, (p: number) => `http://127.0.0.1:${p}`],
    ['localhost:P', (p: number) => `localhost:${p}`, (p: number) => `http://localhost:${p}`],
    ['[::1]:P (IPv6 literal in brackets)', (p: number) => `[::1]:${p}`, (p: number) => `http://[::1]:${p}`],
    ['API.Example.COM (no port, any case)', () => 'API.Example.COM', () => 'http://api.example.com'],
    ['my_service.internal:8080', () => 'my_service.internal:8080', () => 'http://my_service.internal:8080'],
  ])('a valid Host %s still passes, at the path the router routed', async (_, host, origin) => {
    const htu = `${origin(app.port)}/admin`;
    const answer = await rawRequest(app.port, 'POST', '/admin?x=1', { host: host(app.port), dpop: proofFor(htu) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ route: '/admin' });
  });
});

const PROXY_AWARE = DPOP_APPS.filter(([name]) => !['Hono', 'Web'].includes(name));

describe.each(PROXY_AWARE)('%s dpopOnce without origin, behind a trusted proxy', (_, start) => {
  let app: DpopApp;
  const store = new MemoryStore();

  beforeAll(async () => {
    app = await start({ store, now: () => NOW }, [...routes], { trustProxy: true });
  });
  afterAll(async () => {
    await app.close();
    store.close();
  });

  const tokenProof = () => signProof(key, proofClaims({ htu: `http://127.0.0.1:${app.port}/token` }));

  it('X-Forwarded-Host: 127.0.0.1:P/token? on POST /admin: a proof for /token is refused', async () => {
    const forged = `127.0.0.1:${app.port}/token?`;
    expectRefused(await rawRequest(app.port, 'POST', '/admin', { 'x-forwarded-host': forged, dpop: tokenProof() }), forged);
  });

  it('X-Forwarded-Proto: http://127.0.0.1:P/token? on POST /admin: a proof for /token is refused', async () => {
    const forged = `http://127.0.0.1:${app.port}/token?`;
    expectRefused(await rawRequest(app.port, 'POST', '/admin', { 'x-forwarded-proto': forged, dpop: tokenProof() }), forged);
  });

  it('a proxy forwarding https://api.example.com: the proof for that URL passes', async () => {
    // Express reads the Host header (the proxy keeps it), Koa and Fastify X-Forwarded-Host.
    const dpop = signProof(key, proofClaims({ htu: 'https://api.example.com/admin' }));
    const forwarded = { host: 'api.example.com', 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' };
    const answer = await rawRequest(app.port, 'POST', '/admin', { ...forwarded, dpop });
    expect(answer.status).toBe(200);
  });
});
