import { createServer } from 'node:http';
import express from 'express';
import jwt from 'jsonwebtoken';
import { jwtOnce } from '../../adapters/express/index.js';
import { claimToken, errorResponse, InvalidTokenError, JwtOnceError, MemoryStore, type ClaimOptions } from '../../src/index.js';
import { describeVerifyError } from '../../src/verify-error.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { listen, withBearer } from '../helpers/http.js';
import { NOW, NOW_S } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** 64 bytes. */
const SECRET = 'client-messages-test-0123456789abcdef0123456789abcdef0123456789a';
/** Configured values an operator would not want a client to learn (internal hosts, service names). */
const AUDIENCE = 'https://internal-billing.corp.example:8443/api';
const ISSUER = 'https://idp.internal-billing.corp.example/realms/ops';
const SUBJECT = 'svc-internal-billing-7f3a';
const JWTID = 'jti-internal-billing-42';
const CONFIGURED = [AUDIENCE, ISSUER, SUBJECT, JWTID, 'internal-billing', 'corp.example', 'maxAge', 'maxTtl', '86400'];

/** Signs HS256; a claim given as `undefined` is left out. */
function sign(claims: Record<string, unknown>, opts: jwt.SignOptions = {}): string {
  const payload = Object.fromEntries(Object.entries({ iat: NOW_S, exp: NOW_S + 300, ...claims }).filter(([, v]) => v !== undefined));
  return jwt.sign(payload, SECRET, { algorithm: 'HS256', ...opts });
}

function options(extra: Partial<ClaimOptions> = {}): ClaimOptions {
  return { secret: SECRET, algorithms: ['HS256'], store: new MemoryStore(), now: () => NOW, ...extra };
}

async function refusal(token: string, opts: ClaimOptions): Promise<JwtOnceError> {
  const err = await claimToken(token, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JwtOnceError);
  return err as JwtOnceError;
}

/** The operator's text: the error's cause chain. */
function causeText(err: Error): string {
  const parts: string[] = [];
  for (let next: unknown = err.cause; next instanceof Error; next = next.cause) parts.push(next.message);
  return parts.join(' | ');
}

/** What a client receives from errorResponse: every header and the body. */
function clientText(err: JwtOnceError): string {
  const { headers, body } = errorResponse(err);
  return `${JSON.stringify(headers)}\n${body}`;
}

function expectNothingConfigured(text: string): void {
  expect(CONFIGURED.filter((value) => text.includes(value))).toEqual([]);
}

describe('what a client is told about a refused claim: fixed text, never a configured value', () => {
  it.each<[string, () => Promise<JwtOnceError>, string, string]>([
    [
      'audience mismatch',
      () => refusal(sign({ aud: 'https://other.example' }), options({ audience: AUDIENCE })),
      'The token audience is not accepted',
      AUDIENCE,
    ],
    [
      'issuer mismatch',
      () => refusal(sign({ iss: 'https://evil.example' }), options({ issuer: ISSUER })),
      'The token issuer is not accepted',
      ISSUER,
    ],
    [
      'subject mismatch',
      () => refusal(sign({ sub: 'alice' }), options({ subject: SUBJECT })),
      'The token subject is not accepted',
      SUBJECT,
    ],
    [
      'jwtid mismatch (jsonwebtoken error)',
      async () => describeVerifyError(new jwt.JsonWebTokenError(`jwt jwtid invalid. expected: ${JWTID}`)),
      'The token jwtid is not accepted',
      JWTID,
    ],
    ['no exp', () => refusal(sign({ exp: undefined }, { noTimestamp: true }), options()), 'The token has no exp', 'set maxAge'],
    [
      'no iat while maxAge is set',
      () => refusal(sign({}, { noTimestamp: true }), options({ maxAge: 60 })),
      'The token has no iat',
      'maxAge',
    ],
    [
      'a lifetime above maxTtl',
      () => refusal(sign({ exp: NOW_S + 2 * 86_400 }), options()),
      'The token lives too long to be made single-use',
      'maxTtl (86400 s)',
    ],
  ])('%s: a fixed detail and challenge; the operator text stays in err.cause', async (_name, refuse, text, operatorText) => {
    const err = await refuse();
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect(err.message).toBe(text);
    const { status, headers, body } = errorResponse(err);
    expect(status).toBe(401);
    expect(JSON.parse(body)).toMatchObject({ detail: text, code: 'ERR_JWT_ONCE_INVALID' });
    expect(headers['www-authenticate']).toBe(`Bearer error="invalid_token", error_description="${text}"`);
    expectNothingConfigured(clientText(err));
    expect(causeText(err)).toContain(operatorText);
  });

  it('over HTTP (Express): the audience, issuer and subject never reach the client', async () => {
    const app = express();
    const checks = { audience: AUDIENCE, issuer: ISSUER, subject: SUBJECT };
    const opts = { secret: SECRET, algorithms: ['HS256' as const], ...checks, store: new MemoryStore(), now: () => NOW };
    app.post('/x', jwtOnce(opts), (_req, res) => {
      res.json({ ok: true });
    });
    const server = await listen(createServer(app));
    try {
      const good = { aud: AUDIENCE, iss: ISSUER, sub: SUBJECT };
      for (const [claims, detail] of [
        [{ ...good, aud: 'https://other.example' }, 'The token audience is not accepted'],
        [{ ...good, iss: 'https://evil.example' }, 'The token issuer is not accepted'],
        [{ ...good, sub: 'mallory' }, 'The token subject is not accepted'],
        [{ ...good, exp: undefined }, 'The token has no exp'],
      ] as const) {
        const res = await withBearer(`${server.url}/x`, sign(claims, 'exp' in claims ? { noTimestamp: true } : {}));
        expect(res.status).toBe(401);
        const body = await res.text();
        expect(JSON.parse(body)).toMatchObject({ detail, code: 'ERR_JWT_ONCE_INVALID' });
        expectNothingConfigured(`${JSON.stringify([...res.headers])}\n${body}`);
      }
      expect((await withBearer(`${server.url}/x`, sign(good))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
