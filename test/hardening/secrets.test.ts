import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import express, { type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import Keyv from 'keyv';
import { jwtOnce } from '../../adapters/express/index.js';
import { createClaimer, JwtOnceError, MemoryStore, type ClaimEvent, type ClaimOptions, type ClaimStore } from '../../src/index.js';
import { listen } from '../helpers/http.js';
import { NOW, NOW_S, rsaKeys } from '../helpers/tokens.js';
import { b64, rawPost, signRaw } from './hostile.js';

const SECRET = `hygiene-${randomBytes(24).toString('hex')}`;
const OTHER_SECRET = `other-${randomBytes(24).toString('hex')}`;
const MARKER = `payload-marker-${randomBytes(6).toString('hex')}`;
/** Short enough that a JSON.parse error would quote all of it. */
const SHORT_MARKER = randomBytes(5).toString('hex');
const rsa = rsaKeys();
const PEM_BODY = rsa.publicPem.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));

let serial = 0;
function signed(claims: Record<string, unknown>, secret = SECRET): string {
  return jwt.sign({ iat: NOW_S, exp: NOW_S + 300, n: ++serial, note: MARKER, ...claims }, secret, { algorithm: 'HS256' });
}

/** Every string that must never leave the package: secrets, keys, tokens, their parts, decoded token content. */
function needlesFor(tokens: string[]): string[] {
  const needles = new Set<string>([
    SECRET,
    Buffer.from(SECRET).toString('base64'),
    Buffer.from(SECRET).toString('hex'),
    OTHER_SECRET,
    MARKER,
    SHORT_MARKER,
    ...PEM_BODY,
  ]);
  for (const token of tokens) {
    needles.add(token);
    for (const part of token.split('.')) if (part.length >= 24 && part !== HEADER_SEGMENT) needles.add(part);
  }
  return [...needles];
}
const HEADER_SEGMENT = b64('{"alg":"HS256","typ":"JWT"}');

function leaks(text: string, needles: string[]): string[] {
  return needles.filter((n) => text.includes(n));
}

/** Everything an error exposes: message, stack, causes (recursively), enumerable properties, inspect(). */
function exposure(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, String(current.stack), JSON.stringify(Object.entries(current)));
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(inspect(current, { depth: 10 }));
      break;
    }
  }
  parts.push(inspect(err, { depth: 10, showHidden: true }));
  return parts.join('\n');
}

class ThrowingStore implements ClaimStore {
  claim(): boolean {
    throw new Error('disk on fire');
  }
  release(): void {}
}

/** The hostile and ordinary failures every test below runs. */
function scenarios() {
  return {
    'bad signature': signed({}, OTHER_SECRET),
    expired: signed({ exp: NOW_S - 10 }),
    'not yet valid': signed({ nbf: NOW_S + 100 }),
    'issued in the future': signed({ iat: NOW_S + 100 }),
    'beyond maxTtl': signed({ exp: NOW_S + 10 * 86_400 }),
    'no exp': jwt.sign({ note: MARKER, n: ++serial }, SECRET, { algorithm: 'HS256', noTimestamp: true }),
    'bad jti': signed({ jti: 12 }),
    'huge jti': signed({ jti: 'j'.repeat(300) }),
    'wrong issuer': signed({ iss: MARKER }),
    'non-JSON payload': signRaw('{"alg":"HS256","typ":"JWT"}', `{"note":"${MARKER}", oops`, SECRET),
    'short non-JSON payload': signRaw('{"alg":"HS256","typ":"JWT"}', `k${SHORT_MARKER}`, SECRET),
    'null payload': signRaw('{"alg":"HS256","typ":"JWT"}', 'null', SECRET),
    'string payload': signRaw('{"alg":"HS256"}', `"${MARKER}"`, SECRET),
    'alg none': `${b64('{"alg":"none"}')}.${b64(JSON.stringify({ exp: NOW_S + 60, note: MARKER }))}.`,
    'algorithm confusion': signRaw('{"alg":"HS256"}', JSON.stringify({ exp: NOW_S + 60, note: MARKER }), rsa.publicPem),
    'too long': signed({ pad: 'p'.repeat(9000) }),
    truncated: signed({}).slice(0, -5),
    'wrong kid type': signRaw(JSON.stringify({ alg: 'HS256', kid: [MARKER] }), JSON.stringify({ exp: NOW_S + 60 }), SECRET),
  };
}

function options(extra: Partial<ClaimOptions> = {}): ClaimOptions {
  return { secret: SECRET, algorithms: ['HS256'], issuer: 'https://id.example', store: new MemoryStore(), now: () => NOW, ...extra };
}

describe('secrets hygiene: errors', () => {
  it('no error carries a token, its parts, its decoded content, a secret or a key', async () => {
    const cases = scenarios();
    const needles = needlesFor(Object.values(cases));
    const claimers = {
      static: createClaimer(options()),
      resolver: createClaimer(options({ secret: () => SECRET })),
      rsa: createClaimer(options({ secret: rsa.publicPem, algorithms: ['RS256'] })),
      store: createClaimer(options({ store: new ThrowingStore() })),
      validate: createClaimer(options({ issuer: undefined, validate: () => false })),
    };
    let checked = 0;
    for (const [name, token] of Object.entries(cases)) {
      for (const [kind, claim] of Object.entries(claimers)) {
        const err = await claim(token).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (err === undefined) continue; // e.g. a valid token under a permissive claimer
        expect(err).toBeInstanceOf(JwtOnceError);
        expect({ name, kind, leaked: leaks(exposure(err), needles) }).toEqual({ name, kind, leaked: [] });
        checked++;
      }
    }
    // The ones that reach the store or validate do fail there, without leaking either.
    const valid = signed({ iss: 'https://id.example' });
    for (const claim of [claimers.store, claimers.validate]) {
      const err = await claim(valid).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(JwtOnceError);
      expect(leaks(exposure(err), needlesFor([valid]))).toEqual([]);
      checked++;
    }
    const reused = createClaimer(options({ issuer: undefined }));
    const once = signed({});
    await reused(once);
    const replay = await reused(once).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(replay).toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
    expect(leaks(exposure(replay), needlesFor([once]))).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });

  it('configuration errors never echo the secret or key they were given', () => {
    const needles = [SECRET, ...PEM_BODY];
    const attempts: Array<() => unknown> = [
      () => createClaimer({ secret: SECRET, algorithms: ['RS256'] }),
      () => createClaimer({ secret: rsa.publicPem, algorithms: ['HS256'] }),
      () => createClaimer({ secret: `-----BEGIN PUBLIC KEY-----\n${SECRET}\n-----END PUBLIC KEY-----`, algorithms: ['RS256'] }),
      () => createClaimer({ secret: SECRET, algorithms: ['HS256', 'RS256'] }),
      () => createClaimer({ secret: SECRET, algorithms: ['none' as 'HS256'] }),
      () => createClaimer({ secret: { key: SECRET } as unknown as string, algorithms: ['HS256'] }),
      () => createClaimer({ secret: rsa.privateKey, algorithms: ['HS256'] }),
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        attempt();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(JwtOnceError);
      expect(leaks(exposure(thrown), needles)).toEqual([]);
    }
  });

  it('onClaim and onReplay events carry the replay key and identifiers, never the token', async () => {
    const events: ClaimEvent[] = [];
    const claim = createClaimer(options({ issuer: undefined, onClaim: (e) => events.push(e), onReplay: (e) => events.push(e) }));
    const token = signed({ sub: 'alice' });
    await claim(token);
    await claim(token).catch(() => undefined);
    expect(events).toHaveLength(2);
    expect(
      leaks(
        inspect(events, { depth: 10 }),
        needlesFor([token]).filter((n) => n !== MARKER),
      ),
    ).toEqual([]);
  });
});

describe('secrets hygiene: HTTP responses', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    const app = express();
    const ok = (_req: Request, res: Response) => res.json({ ok: true });
    app.post('/static', jwtOnce({ ...options(), issuer: 'https://id.example' }), ok);
    app.post('/resolver', jwtOnce({ ...options(), secret: () => SECRET }), ok);
    app.post('/store', jwtOnce({ ...options(), issuer: undefined, store: new ThrowingStore() }), ok);
    server = await listen(createServer(app));
  });
  afterAll(async () => server.close());

  it('no response body or header carries a token, its content, a secret or a key', async () => {
    const cases = { ...scenarios(), valid: signed({ iss: 'https://id.example' }) };
    const needles = needlesFor(Object.values(cases));
    let responses = 0;
    for (const token of Object.values(cases)) {
      for (const path of ['/static', '/resolver', '/store']) {
        const res = await rawPost(`${server.url}${path}`, { authorization: `Bearer ${token}` });
        if (res.status === 200) continue;
        expect([401, 503]).toContain(res.status);
        const everything = `${res.body}\n${JSON.stringify(res.headers)}`;
        expect({ path, leaked: leaks(everything, needles) }).toEqual({ path, leaked: [] });
        responses++;
      }
    }
    expect(responses).toBeGreaterThan(40);
  });
});

describe('secrets hygiene: what the stores hold', () => {
  const KEY_SHAPE = /^(?:\d+:[^]*?:)?(?:sha256:[A-Za-z0-9_-]{43}|jti:\d+:[^]*)$/;

  it('a MemoryStore holds only hashes or (iss, jti) keys, expiry times and per-claim ids', async () => {
    const store = new MemoryStore();
    const claim = createClaimer(options({ issuer: undefined, store }));
    const tokens = [signed({}), signed({ jti: 'a-1', iss: 'https://id.example' }), signed({ jti: 'b-2' }), signed({ sub: 'x' })];
    for (const t of tokens) await claim(t);
    await createClaimer(options({ issuer: undefined, store, scope: '/pay' }))(signed({}));
    const entries = [...(store as unknown as { entries: Map<string, unknown> }).entries];
    expect(entries).toHaveLength(5);
    const needles = needlesFor(tokens);
    for (const [key, value] of entries) {
      expect(key).toMatch(KEY_SHAPE);
      // The expiry and the per-claim id (72 random bits per process, then a counter): nothing from the token.
      expect(value).toMatch(/^\d+:[A-Za-z0-9_-]{12}[0-9a-z]+$/);
      expect(leaks(`${key}\n${String(value)}`, needles)).toEqual([]);
    }
    expect(entries.map(([k]) => k)).toEqual(
      expect.arrayContaining(['jti:18:https://id.example:a-1', 'jti:0::b-2', expect.stringMatching(/^4:\/pay:sha256:/)]),
    );
  });

  it('a Keyv Map holds only hashes or (iss, jti) keys and Keyv expiry records', async () => {
    const keyv = new Keyv();
    const claim = createClaimer(options({ issuer: undefined, store: keyv }));
    const tokens = [signed({}), signed({ jti: 'k-1', iss: 'https://id.example' })];
    for (const t of tokens) await claim(t);
    const map = keyv.store as Map<string, unknown>;
    expect(map.size).toBe(2);
    const needles = needlesFor(tokens);
    for (const [key, value] of map) {
      expect(key.replace(/^keyv:/, '')).toMatch(KEY_SHAPE);
      expect(leaks(`${key}\n${JSON.stringify(value)}`, needles)).toEqual([]);
    }
  });
});
