import { JwtOnceError } from '../../src/index.js';

/** The code a claim was refused with, or 'passed'. Anything but a JwtOnceError is rethrown. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof JwtOnceError) return err.code;
    throw err;
  }
  return 'passed';
}

/**
 * Fails the test after which an unhandled promise rejection was seen: a
 * refusal must always be a handled, coded error. Call once at the top of a file.
 */
export function failOnUnhandledRejections(): void {
  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    expect(unhandled).toEqual([]);
    unhandled = [];
  });
}
