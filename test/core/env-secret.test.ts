import { jwtOnce } from '../../adapters/express/index.js';
import { claimToken, ConfigError, createRequestGuard, MemoryStore, type GuardOptions } from '../../src/index.js';
import { codeOf } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

const ENV_SECRET = 'a-secret-for-another-purpose-0123456789abcdef';
const ENV = { JWT_ONCE_SECRET: ENV_SECRET, JWT_ONCE_STORE: 'memory://' };

/** Claims `token` through a guard, as an adapter would (bearer header). */
async function claimThrough(options: GuardOptions<unknown> | undefined, env: NodeJS.ProcessEnv, token: string): Promise<string> {
  const guard = createRequestGuard<unknown>(options, env);
  return codeOf(guard.claim({}, (name) => (name === 'authorization' ? `Bearer ${token}` : undefined)));
}

const EMPTY_SECRET = /the given secret is empty \(likely an unset environment variable\)/;

describe('a secret key that is present but empty never falls back to the environment', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ["''", ''],
  ])('secret: %s is a ConfigError at creation', (_shown, secret) => {
    let thrown: unknown;
    try {
      createRequestGuard({ secret: secret as string, algorithms: ['HS256'] }, ENV);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toMatch(EMPTY_SECRET);
    expect((thrown as ConfigError).message).not.toContain(ENV_SECRET);
  });

  it.each([undefined, null, ''])('claimToken with secret: %p says the given secret is empty', async (secret) => {
    await expect(claimToken('a.b.c', { secret: secret as unknown as string, algorithms: ['HS256'] })).rejects.toThrow(EMPTY_SECRET);
  });

  it('the report: `secret: process.env.LINK_SECRET` with LINK_SECRET unset refuses to start instead of accepting JWT_ONCE_SECRET tokens', () => {
    const saved = { ...process.env };
    try {
      delete process.env.LINK_SECRET;
      process.env.JWT_ONCE_SECRET = ENV_SECRET;
      expect(() => jwtOnce({ secret: process.env.LINK_SECRET, algorithms: ['HS256'] })).toThrow(EMPTY_SECRET);
    } finally {
      process.env = saved;
    }
  });
});

describe('the environment is read only when there is no secret key at all', () => {
  it.each([
    ['no options', undefined],
    ['an options object without a secret key', { store: new MemoryStore(), now: () => NOW }],
  ])('%s: JWT_ONCE_SECRET verifies', async (_what, options) => {
    const envToken = hsToken({}, 300, ENV_SECRET);
    // Without an injected clock the token must be valid now: sign one for the real time.
    const token = options === undefined ? liveToken(ENV_SECRET) : envToken;
    expect(await claimThrough(options, ENV, token)).toBe('passed');
    expect(await claimThrough(options, {}, token).catch((err: unknown) => err)).toBeInstanceOf(ConfigError);
  });

  const lookalike = { JWT_ONCE_SECRET: ENV_SECRET };
  it.each([
    ['JWT_ONCE_ISSUER', { ...lookalike, JWT_ONCE_ISSUER: 'https://env-issuer.example' }],
    ['JWT_ONCE_AUDIENCE', { ...lookalike, JWT_ONCE_AUDIENCE: 'env-audience' }],
    ['JWT_ONCE_STORE', { ...lookalike, JWT_ONCE_STORE: 'sqlite:///jwt-once-no-such-dir/claims.db' }],
    ['JWT_ONCE_ALGORITHMS', { ...lookalike, JWT_ONCE_ALGORITHMS: 'HS512' }],
  ])('a secret in code: %s is not mixed in', async (_name, env) => {
    // Were the variable mixed in, this token (no iss, no aud, HS256) would be refused, or the store would fail (503).
    const options = { secret: HS_SECRET, algorithms: ['HS256' as const], now: () => NOW, store: new MemoryStore() };
    const { store: _store, ...noStore } = options;
    expect(await claimThrough(options, env, hsToken())).toBe('passed');
    expect(await claimThrough(noStore, env, hsToken())).toBe('passed');
    expect(
      await claimThrough({ ...options, algorithms: undefined } as never, env, hsToken()).catch((err: unknown) => (err as Error).message),
    ).toMatch(/algorithms/);
  });
});

function liveToken(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  return hsToken({ iat: now, exp: now + 60 }, 300, secret);
}
