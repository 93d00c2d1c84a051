import { randomUUID } from 'node:crypto';
import type { ClaimStore } from '../stores/claim-store.js';
import { timeBound } from '../stores/timeouts.js';
import type { Finding } from './finding.js';
import { describeError } from './redact.js';

/** How long the throwaway claim lives if the doctor cannot release it (a crash): it expires by itself. */
const THROWAWAY_TTL_MS = 60_000;

/**
 * A throwaway replay key, unique per run: `jwt-once-doctor:<uuid>`. Real
 * replay keys are hashes or `iss`/`jti` pairs, so it never meets one.
 *
 * @example
 * throwawayKey(); // 'jwt-once-doctor:0b7c...'
 */
export function throwawayKey(): string {
  return `jwt-once-doctor:${randomUUID()}`;
}

/**
 * The promise end to end, through the store the app would use: a claim of a
 * throwaway key wins, the same claim again (a replay) is refused, a release
 * removes it so a claim wins again, and a last release leaves nothing behind.
 * The claim expires in 60 s in case the doctor dies half-way. A store with
 * `isClaimed` is asked, at the end, that nothing is left.
 *
 * @param timeout most ms each step may take (a store call carries no timer of its own: `claimToken` bounds it).
 * @param now the clock claims are made with. @default Date.now
 * @example
 * const finding = await roundTrip(store, throwawayKey(), 5000);
 */
export async function roundTrip(store: ClaimStore, key: string, timeout: number, now: () => number = Date.now): Promise<Finding> {
  const step = <T>(call: () => Promise<T> | T): Promise<T> =>
    timeBound(Promise.resolve().then(call), timeout, () => new Error(`no answer within ${timeout} ms`));
  const id = `doctor-${randomUUID()}`;
  const started = now();
  const expiresAt = Math.ceil(started + THROWAWAY_TTL_MS);
  const steps: string[] = [];
  let held: string | undefined; // the id of the claim the doctor holds now
  try {
    const won = await step(() => store.claim(key, expiresAt, now(), id));
    if (won) held = id;
    steps.push(`claim ${won ? 'won' : 'REFUSED'}`);
    if (!won) return fail(steps, 'a fresh key was refused: the store holds a claim it should not, or its clock is off');
    const replay = await step(() => store.claim(key, expiresAt, now(), `${id}-replay`));
    steps.push(`replay ${replay ? 'PASSED' : 'refused'}`);
    if (replay) return fail(steps, 'a replay of the same key was accepted: this store does not make tokens single-use');
    await step(() => store.release(key, expiresAt, id));
    held = undefined;
    const again = await step(() => store.claim(key, expiresAt, now(), `${id}-again`));
    if (again) held = `${id}-again`;
    steps.push(`release ${again ? 'freed it' : 'DID NOTHING'}`);
    if (!again) return fail(steps, 'release() did not remove the claim: a token refused after a store error stays spent');
    await step(() => store.release(key, expiresAt, `${id}-again`));
    held = undefined;
    if (store.isClaimed !== undefined && (await step(() => store.isClaimed!(key, now())))) {
      steps.push('key LEFT BEHIND');
      return fail(steps, 'the throwaway key is still there after its release');
    }
  } catch (err) {
    steps.push(`error: ${describeError(err)}`);
    return fail(steps, 'the store refused the round trip: fix the failures above (this is what every claim would get: 503)');
  } finally {
    if (held !== undefined) {
      try {
        await step(() => store.release(key, expiresAt, held!));
      } catch {
        // it expires in 60 s
      }
    }
  }
  const ms = Math.max(0, Math.round(now() - started));
  return { check: 'round-trip', status: 'pass', found: `${steps.join(', ')}, cleaned up (${ms} ms, key ${key})` };
}

function fail(steps: string[], fix: string): Finding {
  return { check: 'round-trip', status: 'fail', found: steps.join(', '), fix };
}
