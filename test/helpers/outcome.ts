import { runInThisContext } from 'node:vm';
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
 * Fails the test after which an unhandled promise rejection was seen, even one
 * handled a moment later (Node reports it; apps that exit on
 * `unhandledRejection` would have crashed): a refusal must always be a
 * handled, coded error. Call once at the top of a file (or from a setup file).
 *
 * Listens on Node's own `process`: Jest gives a test file a copy (also as
 * `node:process`) whose listeners never hear of a rejection, and Jest itself
 * forgets a rejection handled before the test ends. Registered in `beforeAll`,
 * after Jest replaced the process listeners at the start of the run.
 */
export function failOnUnhandledRejections(): void {
  const nodeProcess = runInThisContext('process') as NodeJS.Process;
  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => nodeProcess.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    nodeProcess.off('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    const seen = unhandled;
    unhandled = [];
    expect(seen).toEqual([]);
  });
}
