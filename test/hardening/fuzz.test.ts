import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { jwtOnce, type JwtOnceRequest } from '../../adapters/express/index.js';
import type { JwtHeader } from 'jsonwebtoken';
import { createClaimer, InvalidTokenError, type ClaimOptions } from '../../src/index.js';
import { bodyOf, listen, withBearer } from '../helpers/http.js';
import { HS_SECRET, hsToken, NOW, NOW_S, rsaKeys, signWith } from '../helpers/tokens.js';
import {
  b64,
  bulkyForgeries,
  expectRefused,
  headerSafeChar,
  hostileKids,
  malformedTokens,
  rawPost,
  signedHostileClaims,
  signRaw,
  SpyStore,
} from './hostile.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';

const RUNS = { numRuns: 150 };
const HTTP_RUNS = { numRuns: 80 };

const rsa = rsaKeys();

function hsOptions(store: SpyStore, extra: Partial<ClaimOptions> = {}): ClaimOptions {
  return { secret: HS_SECRET, algorithms: ['HS256'], store, now: () => NOW, ...extra };
}

/** Every hostile token the core must refuse (structural, claim-level, bulky). */
const hostileTokens = fc.oneof(
  malformedTokens(() => hsToken()),
  signedHostileClaims,
  bulkyForgeries,
);

failOnUnhandledRejections();

describe('claimToken under hostile input', () => {
  it('refuses structurally broken tokens with a 401 code and claims nothing', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store));
    await fc.assert(
      fc.asyncProperty(
        malformedTokens(() => hsToken()),
        async (token) => {
          await expectRefused(claim(token));
        },
      ),
      RUNS,
    );
    expect(store.claims).toBe(0);
    // The same claimer still works: nothing was poisoned.
    await expect(claim(hsToken())).resolves.toMatchObject({ key: expect.stringMatching(/^sha256:/) });
    expect(store.claims).toBe(1);
  });

  it('refuses validly signed tokens with hostile claims (types, NaN, 1e400, negative, huge, duplicates, non-objects)', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store));
    await fc.assert(
      fc.asyncProperty(signedHostileClaims, async (token) => {
        await expectRefused(claim(token));
      }),
      { numRuns: 300 },
    );
    expect(store.claims).toBe(0);
  });

  it('control: the raw-JSON signer makes tokens that do pass, so the refusals above are about the claims', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store));
    const token = signRaw('{"alg":"HS256","typ":"JWT"}', `{"iat":${NOW_S},"exp":${NOW_S + 300},"jti":"ok","exp":${NOW_S + 60}}`);
    const { expiresAt } = await claim(token);
    expect(expiresAt.getTime()).toBe((NOW_S + 60) * 1000 + 1000); // the last duplicate wins, consistently
    expect(store.claims).toBe(1);
  });

  it('refuses deeply nested and bulky forgeries without a stack overflow', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store));
    await fc.assert(
      fc.asyncProperty(bulkyForgeries, async (token) => {
        expect(token.length).toBeLessThanOrEqual(8192);
        await expectRefused(claim(token));
      }),
      { numRuns: 60 },
    );
    expect(store.claims).toBe(0);
  });

  it('refuses alg none in every spelling, signed or not', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store));
    const payload = b64(`{"iat":${NOW_S},"exp":${NOW_S + 300}}`);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('none', 'None', 'NONE', 'nOnE', ''),
        fc.constantFrom('', 'AAAA', hsToken().split('.')[2]!),
        async (alg, signature) => {
          await expectRefused(claim(`${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${payload}.${signature}`));
        },
      ),
      RUNS,
    );
    expect(store.claims).toBe(0);
  });

  it('refuses algorithm confusion: HS256 signed with the RSA public key PEM, presented to an RS256 verifier', async () => {
    const store = new SpyStore();
    const viaPem = createClaimer({ secret: rsa.publicPem, algorithms: ['RS256'], store, now: () => NOW });
    const viaResolver = createClaimer({ secret: () => rsa.publicPem, algorithms: ['RS256'], store, now: () => NOW });
    const viaKeyObject = createClaimer({ secret: rsa.publicKey, algorithms: ['RS256'], store, now: () => NOW });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('HS256', 'HS384', 'HS512', 'RS256'),
        fc.constantFrom(
          rsa.publicPem,
          rsa.publicPem.trim(),
          rsa.publicPem.replace(/\n/g, '\r\n'),
          rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        ),
        async (alg, hmacKey) => {
          // jsonwebtoken refuses to sign HS* with a PEM; forge it by hand, as an attacker would.
          const input = `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify({ iat: NOW_S, exp: NOW_S + 300, sub: 'mallory' }))}`;
          const hash = alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256';
          const token = `${input}.${createHmac(hash, hmacKey).update(input).digest('base64url')}`;
          for (const claim of [viaPem, viaResolver, viaKeyObject]) await expectRefused(claim(token));
        },
      ),
      { numRuns: 40 },
    );
    expect(store.claims).toBe(0);
    // Control: a real RS256 token passes each of them once.
    for (const claim of [viaPem, viaResolver, viaKeyObject]) await claim(signWith(rsa.privateKey, 'RS256'));
    expect(store.claims).toBe(3);
  });

  it('refuses kid values with path, SQL or prototype characters, and never lets a resolver mistake reach the store', async () => {
    const store = new SpyStore();
    const keys: Record<string, string> = { 'key-1': HS_SECRET };
    const seen: unknown[] = [];
    // A naive resolver, as users write them: an object lookup by kid.
    const claim = createClaimer(
      hsOptions(store, {
        secret: (header: JwtHeader) => {
          seen.push(header.kid);
          return keys[header.kid as string]!;
        },
      }),
    );
    await fc.assert(
      fc.asyncProperty(hostileKids, async (kid) => {
        const token = signRaw(JSON.stringify({ alg: 'HS256', kid }), JSON.stringify({ iat: NOW_S, exp: NOW_S + 300, n: Math.random() }));
        await expectRefused(claim(token));
      }),
      RUNS,
    );
    expect(store.claims).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    // Control: the right kid passes.
    await claim(jwt.sign({ iat: NOW_S, exp: NOW_S + 300 }, HS_SECRET, { algorithm: 'HS256', keyid: 'key-1' }));
    expect(store.claims).toBe(1);
  });

  it('refuses a resolver-path token whose payload is not JSON with a 401, not a SyntaxError quoting it', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store, { secret: () => HS_SECRET }));
    const token = signRaw('{"alg":"HS256","typ":"JWT"}', 'not json {"secret-ish":1}');
    const err = await expectRefused(claim(token));
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(err.message).not.toContain('secret-ish');
    expect(store.claims).toBe(0);
  });

  it('refuses tokens above maxTokenLength before any parsing: the key resolver is never called', async () => {
    const store = new SpyStore();
    let resolved = 0;
    const claim = createClaimer(
      hsOptions(store, {
        secret: () => {
          resolved++;
          return HS_SECRET;
        },
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 8193, max: 200_000 }), fc.constantFrom('random', 'signed'), async (length, kind) => {
        const token =
          kind === 'signed'
            ? signRaw('{"alg":"HS256"}', `{"iat":${NOW_S},"exp":${NOW_S + 300},"pad":"${'p'.repeat(length)}"}`)
            : 'eyJ'.padEnd(length, 'A');
        const err = await expectRefused(claim(token));
        expect(err.message).toBe('The token is longer than 8192 characters');
      }),
      { numRuns: 60 },
    );
    expect(resolved).toBe(0);
    expect(store.claims).toBe(0);
  });

  it('applies a configured maxTokenLength exactly at its edge', async () => {
    const store = new SpyStore();
    const token = hsToken();
    const atLimit = createClaimer(hsOptions(store, { maxTokenLength: token.length }));
    const belowLimit = createClaimer(hsOptions(store, { maxTokenLength: token.length - 1 }));
    await expectRefused(belowLimit(token));
    expect(store.claims).toBe(0);
    await atLimit(token);
    expect(store.claims).toBe(1);
  });

  it('never claims a non-string token passed by mistake', async () => {
    const store = new SpyStore();
    const claim = createClaimer(hsOptions(store));
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (value) => {
        fc.pre(typeof value !== 'string');
        const err = await expectRefused(claim(value as string));
        expect(err.code).toBe('ERR_JWT_ONCE_MISSING');
      }),
      RUNS,
    );
    expect(store.claims).toBe(0);
  });
});

describe('Express jwtOnce over real HTTP under hostile input', () => {
  const store = new SpyStore();
  let server: Awaited<ReturnType<typeof listen>>;
  let serverErrors = 0;

  beforeAll(async () => {
    const app = express();
    app.post('/x', jwtOnce({ secret: HS_SECRET, algorithms: ['HS256'], store, now: () => NOW }), (req: Request, res: Response) => {
      res.json({ sub: (req as JwtOnceRequest).auth?.sub ?? null });
    });
    app.post(
      '/kid',
      jwtOnce({
        secret: (h: JwtHeader) => (({ 'key-1': HS_SECRET }) as Record<string, string>)[h.kid as string]!,
        algorithms: ['HS256'],
        store,
        now: () => NOW,
      }),
      (_req: Request, res: Response) => {
        res.json({ ok: true });
      },
    );
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      serverErrors++;
      res.status(500).json({ error: err.name });
    });
    server = await listen(createServer(app));
  });
  afterAll(async () => server.close());

  async function expectRefusedOverHttp(status: number, contentType: string | null, body: Record<string, unknown>): Promise<void> {
    // 400 only for a malformed Bearer credential (RFC 6750 invalid_request), 401 otherwise.
    expect(status).toBe(body.code === 'ERR_JWT_ONCE_MALFORMED' ? 400 : 401);
    expect(contentType).toMatch(/^application\/problem\+json/);
    expect(body.code).toMatch(/^ERR_JWT_ONCE_(INVALID|EXPIRED|MISSING|MALFORMED)$/);
  }

  it('answers every hostile bearer token with 401 and a code, never 5xx, never a claim', async () => {
    const printable = fc
      .oneof(hostileTokens, fc.string({ minLength: 1, maxLength: 300, unit: headerSafeChar }))
      .filter((t) => /^[\x21-\x7e]+$/.test(t) && !t.includes(','));
    await fc.assert(
      fc.asyncProperty(printable, fc.constantFrom('/x', '/kid'), async (token, path) => {
        const res = await withBearer(`${server.url}${path}`, token);
        await expectRefusedOverHttp(res.status, res.headers.get('content-type'), await bodyOf(res));
      }),
      HTTP_RUNS,
    );
    expect(store.claims).toBe(0);
    expect(serverErrors).toBe(0);
  });

  it('answers odd Authorization headers (schemes, spacing, repeats) with 401 and a code, never a claim', async () => {
    const scheme = fc.constantFrom(
      'Bearer',
      'bearer',
      'BEARER',
      'Basic',
      'Token',
      'JWT',
      'Bearer:',
      'Bearerx',
      'Bear',
      '',
      'DPoP',
      'Negotiate',
    );
    const gap = fc.constantFrom(' ', '  ', '   ', '\t', '', ' \t ', ',', ', ');
    const token = fc
      .oneof(
        fc.constant(''),
        malformedTokens(() => hsToken()),
        signedHostileClaims,
      )
      .filter((t) => /^[\x21-\x7e]*$/.test(t));
    const line = fc
      .tuple(scheme, gap, token, fc.constantFrom('', ' ', '  ', ',', ', Bearer x'))
      .map(([s, g, t, tail]) => `${s}${g}${t}${tail}`);
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 3 }), async (lines) => {
        const res = await rawPost(`${server.url}/x`, { authorization: lines.length === 1 ? lines[0]! : lines });
        await expectRefusedOverHttp(res.status, res.headers['content-type'] as string, JSON.parse(res.body) as Record<string, unknown>);
      }),
      HTTP_RUNS,
    );
    expect(store.claims).toBe(0);
    expect(serverErrors).toBe(0);
  });

  it('refuses a long token (about 14,700 characters, under the HTTP header limit) with 401 before parsing', async () => {
    const res = await withBearer(
      `${server.url}/kid`,
      signRaw('{"alg":"HS256","kid":"key-1"}', `{"iat":${NOW_S},"exp":${NOW_S + 300},"pad":"${'p'.repeat(11_000)}"}`),
    );
    const body = await bodyOf(res);
    await expectRefusedOverHttp(res.status, res.headers.get('content-type'), body);
    expect(body.detail).toBe('The token is longer than 8192 characters');
    expect(store.claims).toBe(0);
  });

  it('accepts a valid token in every legal spelling of the scheme, once: the first header line only, RFC 6750 spacing', async () => {
    const token = hsToken({ sub: 'alice' });
    const first = await rawPost(`${server.url}/x`, { authorization: `bEaReR   ${token}` });
    expect(first.status).toBe(200);
    for (const spelling of [`Bearer ${token}`, `BEARER ${token}  `, `bearer ${token}`]) {
      const replay = await rawPost(`${server.url}/x`, { authorization: spelling });
      expect(replay.status).toBe(401);
      expect(JSON.parse(replay.body)).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
    }
    // Two Authorization lines: Node keeps the first, so a second token cannot ride along unclaimed.
    const other = hsToken();
    const repeated = await rawPost(`${server.url}/x`, { authorization: [`Bearer ${token}`, `Bearer ${other}`] });
    expect(repeated.status).toBe(401);
    expect(JSON.parse(repeated.body)).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
    expect(store.claims).toBe(5); // one pass and four replays reached the store; no hostile input ever did
    expect((await withBearer(`${server.url}/x`, other)).status).toBe(200); // the second line was never claimed
    expect(serverErrors).toBe(0);
  });
});
