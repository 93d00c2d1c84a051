import { ConfigError, ReusedTokenError, ExpiredTokenError, claimToken, MemoryStore } from '../../src/index.js';
import { createWebGuard } from '../../adapters/web/index.js';
import { createTestClock, createTokenFactory, TEST_EPOCH } from '../../src/testing/index.js';

const SECRET = 'test-clock-secret-0123456789abcdef0123456789';

describe('createTestClock', () => {
  it('starts at TEST_EPOCH or the given time and moves only when told (now is bound: pass it as it is)', () => {
    const clock = createTestClock();
    const { now } = clock;
    expect(now()).toBe(TEST_EPOCH);
    expect(TEST_EPOCH).toBe(Date.UTC(2026, 0, 1));
    expect(clock.advance(1500)).toBe(TEST_EPOCH + 1500);
    expect(now()).toBe(TEST_EPOCH + 1500);
    expect(clock.seconds()).toBe(TEST_EPOCH / 1000 + 1);
    expect(clock.set(42_000)).toBe(42_000);
    expect(createTestClock(7).now()).toBe(7);
  });

  it.each([
    ['start', () => createTestClock(Number.NaN)],
    ['advance', () => createTestClock().advance(Number.POSITIVE_INFINITY)],
    ['set', () => createTestClock().set('soon' as unknown as number)],
  ])('throws a ConfigError for a time that is not a finite number (%s)', (_, call) => {
    expect(call).toThrow(ConfigError);
  });

  it("is the guard's `now`: a Web guard passes a token once, refuses the replay, and refuses it as expired once the clock passes exp", async () => {
    const clock = createTestClock();
    const options = { secret: SECRET, algorithms: ['HS256'] as const, store: new MemoryStore(), now: clock.now };
    const guard = createWebGuard(options);
    const sign = createTokenFactory({ ...options, expiresIn: 120 });
    const request = (token: string) =>
      new Request('http://app.test/confirm', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const first = sign();
    const second = sign();
    expect((await guard(request(first))).ok).toBe(true);
    const replay = await guard(request(first));
    expect(replay.ok ? 200 : [replay.response.status, ((await replay.response.json()) as { code: string }).code]).toEqual([
      401,
      'ERR_JWT_ONCE_REUSED',
    ]);
    clock.advance(119_000); // still valid: no sleeping to get here
    await expect(claimToken(second, options)).resolves.toBeDefined();
    await expect(claimToken(second, options)).rejects.toBeInstanceOf(ReusedTokenError);
    clock.advance(1_000); // exp reached
    const late = await guard(request(sign({ iat: clock.seconds() - 120, exp: clock.seconds() })));
    expect(late.ok ? 200 : [late.response.status, ((await late.response.json()) as { code: string }).code]).toEqual([
      401,
      'ERR_JWT_ONCE_EXPIRED',
    ]);
    await expect(claimToken(first, options)).rejects.toBeInstanceOf(ExpiredTokenError);
  });
});
