import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { jwtOnce, type JwtOnceRequest } from '../../adapters/express/index.js';
import { claimToken, claimVerified, createVerifiedClaimer, JwtOnceError, MemoryStore, type JwtPayload } from '../../src/index.js';
import { sameJson } from '../../src/same-json.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { listen, withBearer } from '../helpers/http.js';
import { NOW, NOW_S } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** 64 bytes. */
const SECRET = 'deep-payload-test-0123456789abcdef0123456789abcdef0123456789abcd';
const MAX_TOKEN_LENGTH = 100_000;

/** The JSON of a payload whose `deep` claim is `depth` nested arrays around `leaf`. */
function deepJson(depth: number, leaf = 'x'): string {
  return `{"iat":${NOW_S},"exp":${NOW_S + 300},"deep":${'['.repeat(depth)}${JSON.stringify(leaf)}${']'.repeat(depth)}}`;
}

/** HS256 over `payloadJson` as is (jsonwebtoken's sign would JSON.stringify it, which overflows at 10,000 deep). */
function signJson(payloadJson: string): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(payloadJson)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

/** The status a claim ends in: 'passed', or the JwtOnceError's status; anything else (a RangeError) is rethrown. */
async function statusOf(promise: Promise<unknown>): Promise<number | 'passed'> {
  try {
    await promise;
    return 'passed';
  } catch (err) {
    if (err instanceof JwtOnceError) return err.status;
    throw err;
  }
}

describe.each([2_500, 10_000])('a signed payload nested %i deep', (depth) => {
  const json = deepJson(depth);
  const token = signJson(json);

  it('claimVerified: the matching payload is claimed once, the replay is a 401, never a RangeError', async () => {
    const opts = { store: new MemoryStore(), now: () => NOW, maxTokenLength: MAX_TOKEN_LENGTH };
    expect(await statusOf(claimVerified(token, JSON.parse(json) as JwtPayload, opts))).toBe('passed');
    expect(await statusOf(claimVerified(token, JSON.parse(json) as JwtPayload, opts))).toBe(401);
  });

  it('claimVerified: a payload that differs at the bottom is a 401, nothing claimed', async () => {
    const store = new MemoryStore();
    const claim = createVerifiedClaimer({ store, now: () => NOW, maxTokenLength: MAX_TOKEN_LENGTH });
    expect(await statusOf(claim(token, JSON.parse(deepJson(depth, 'y')) as JwtPayload))).toBe(401);
    expect(await statusOf(claim(token, JSON.parse(deepJson(depth + 1)) as JwtPayload))).toBe(401);
    expect(store.size).toBe(0);
  });

  it('claimToken verifies and claims it like any other token', async () => {
    const opts = {
      secret: SECRET,
      algorithms: ['HS256' as const],
      store: new MemoryStore(),
      now: () => NOW,
      maxTokenLength: MAX_TOKEN_LENGTH,
    };
    expect(await statusOf(claimToken(token, opts))).toBe('passed');
    expect(await statusOf(claimToken(token, opts))).toBe(401);
  });

  it('over HTTP (Express, verifiedPayload): 200 once, then 401; a mismatched deep payload 401; never a 5xx', async () => {
    const app = express();
    // A verifier in front, as express-jwt would be: it parsed the token's payload into req.auth.
    const verifier = (leaf: string) => (req: Request, _res: Response, next: NextFunction) => {
      (req as JwtOnceRequest).auth = JSON.parse(deepJson(depth, leaf)) as JwtPayload;
      next();
    };
    const verifiedPayload = (req: Request) => (req as JwtOnceRequest).auth;
    const once = jwtOnce({ store: new MemoryStore(), now: () => NOW, maxTokenLength: MAX_TOKEN_LENGTH, verifiedPayload });
    app.post('/same', verifier('x'), once, (_req, res) => {
      res.json({ ok: true });
    });
    app.post('/other', verifier('y'), once, (_req, res) => {
      res.json({ ok: true });
    });
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ error: err.name });
    });
    const server = await listen(createServer({ maxHeaderSize: 2 * MAX_TOKEN_LENGTH }, app));
    try {
      expect((await withBearer(`${server.url}/other`, token)).status).toBe(401);
      expect((await withBearer(`${server.url}/same`, token)).status).toBe(200);
      expect((await withBearer(`${server.url}/same`, token)).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('sameJson', () => {
  it('compares JSON values: key order ignored, types and array order not', () => {
    expect(sameJson(JSON.parse('{"a":[1,{"b":2}],"c":null}'), { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(sameJson(JSON.parse('{"a":[1,2]}'), { a: [2, 1] })).toBe(false);
    expect(sameJson(JSON.parse('{"a":1}'), { a: '1' })).toBe(false);
    expect(sameJson(JSON.parse('{"a":1}'), { a: 1, b: undefined })).toBe(false);
    expect(sameJson(JSON.parse('{"0":1}'), [1])).toBe(false);
    expect(sameJson(JSON.parse('{"a":{}}'), { a: new Date(0) })).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(sameJson(JSON.parse('{"self":{"self":{}}}'), cyclic)).toBe(false);
  });
});
