import { ConfigError, JwtOnceError, type StoreError } from '../errors.js';
import type { Claim, ClaimEvent } from '../options.js';
import { isThenable } from '../thenable.js';
import { TOPICS } from './channels.js';
import type { ClaimMessage, GuardKind, RefuseEvent, RefuseHook, ReplayMessage, StoreErrorMessage } from './messages.js';
import { storeKind } from './store-kind.js';
import { warnStoreFailure } from './store-warning.js';

/** The hooks of the options, checked. */
export interface EventHooks {
  onClaim: ((event: ClaimEvent) => unknown) | undefined;
  onReplay: ((event: ClaimEvent) => unknown) | undefined;
  onStoreError: ((error: StoreError) => unknown) | undefined;
  onRefuse: RefuseHook | undefined;
}

/** What the claim step learned about one outcome: the replay key and the store's time. */
interface Trace {
  key: string | undefined;
  storeMs: number | undefined;
}

/** Per claim or refusal (the `Claim` or the error object): what the claim step learned. Nothing is added to them. */
const traces = new WeakMap<object, Trace>();

/**
 * Calls a hook; what it throws or rejects with is ignored: hooks observe,
 * they never change the outcome, and never leave a rejection unhandled.
 */
function callHook<E>(hook: ((event: E) => unknown) | undefined, event: E): void {
  if (hook === undefined) return;
  try {
    const result = hook(event);
    if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
  } catch {
    // Hooks observe; they never change the outcome.
  }
}

/** A claim's string field, else `undefined`. */
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A clock for durations; `performance` is on every runtime jwt-once runs on. */
const clock = (): number => performance.now();

/**
 * The events of one claimer (one options object): its hooks, the channels
 * and the timing both need. Made once, at creation, by the claim step.
 */
export class ClaimEvents {
  /** The store's kind, for messages and metrics. */
  readonly store: string;

  constructor(
    readonly guard: GuardKind,
    private readonly hooks: EventHooks,
    private readonly storeObject: object,
    /** The configured scope, `''` when none. */
    readonly scope: string,
  ) {
    this.store = storeKind(storeObject);
  }

  /** True when someone wants the outcome of whole checks (an `onRefuse` hook, a claim or refusal subscriber). */
  watching(): boolean {
    return this.hooks.onRefuse !== undefined || TOPICS.refusal.active() || TOPICS.claim.active();
  }

  /** True when the store's answer should be timed: someone reads `storeMs`. */
  timing(): boolean {
    return this.watching() || TOPICS.replay.active() || TOPICS.storeError.active();
  }

  /** A start reading for {@link timing}. */
  now(): number {
    return clock();
  }

  /** Keeps what the claim step learned, for the outcome the caller sees (`target`: the claim or the error). */
  note(target: object, key: string | undefined, storeMs: number | undefined): void {
    if (key !== undefined || storeMs !== undefined) traces.set(target, { key, storeMs });
  }

  /** A successful claim: `onClaim`. */
  claimed(event: () => ClaimEvent): void {
    if (this.hooks.onClaim !== undefined) callHook(this.hooks.onClaim, event());
  }

  /** A refused replay: `onReplay` and `jwt-once:replay`. */
  replayed(event: () => ClaimEvent, storeMs: number | undefined): void {
    const published = TOPICS.replay.active();
    if (this.hooks.onReplay === undefined && !published) return;
    const made = event();
    callHook(this.hooks.onReplay, made);
    if (published) TOPICS.replay.publish({ ...made, guard: this.guard, store: this.store, storeMs } satisfies ReplayMessage);
  }

  /**
   * A store failure that refuses the token (503): `onStoreError`,
   * `jwt-once:store-error`, or, with neither, a `console.warn` (at most one a
   * minute per store). Returns `error`, to be thrown.
   */
  storeFailed(
    error: StoreError,
    at: { key: string | undefined; scope: string; request: unknown },
    storeMs: number | undefined,
  ): StoreError {
    const published = TOPICS.storeError.active();
    callHook(this.hooks.onStoreError, error);
    if (published) {
      TOPICS.storeError.publish({
        guard: this.guard,
        error,
        key: at.key,
        scope: at.scope,
        request: at.request,
        store: this.store,
        storeMs,
      } satisfies StoreErrorMessage);
    }
    if (this.hooks.onStoreError === undefined && !published) warnStoreFailure(this.storeObject, error);
    this.note(error, at.key, storeMs);
    return error;
  }

  /** The check ended with a claim: `jwt-once:claim`, with the whole check's duration. */
  finished(claim: Claim, scope: string, request: unknown, started: number): void {
    if (!TOPICS.claim.active()) return;
    const { payload } = claim;
    TOPICS.claim.publish({
      key: claim.key,
      iss: str(payload.iss),
      sub: str(payload.sub),
      jti: str(payload.jti),
      scope,
      request,
      guard: this.guard,
      store: this.store,
      storeMs: traces.get(claim)?.storeMs,
      durationMs: clock() - started,
    } satisfies ClaimMessage);
  }

  /** The check ended with `err`: for a refusal (not a fault), `onRefuse` and `jwt-once:refusal`. */
  refused(err: unknown, scope: string, request: unknown, started: number): void {
    if (!(err instanceof JwtOnceError) || err instanceof ConfigError) return;
    const published = TOPICS.refusal.active();
    if (this.hooks.onRefuse === undefined && !published) return;
    const trace = traces.get(err);
    const event: RefuseEvent = {
      code: err.code,
      status: err.status,
      guard: this.guard,
      scope,
      key: trace?.key,
      durationMs: clock() - started,
      store: this.store,
      storeMs: trace?.storeMs,
      error: err,
      request,
    };
    callHook(this.hooks.onRefuse, event);
    if (published) TOPICS.refusal.publish(event);
  }
}

/**
 * Carries what the claim step learned about `from` to the error that
 * replaces it (a DPoP replay is a `ReusedDpopProofError`, not the
 * `ReusedTokenError` the step threw). Returns `to`.
 *
 * @example
 * throw carryTrace(err, new ReusedDpopProofError());
 */
export function carryTrace<E extends object>(from: object, to: E): E {
  const trace = traces.get(from);
  if (trace !== undefined) traces.set(to, trace);
  return to;
}

/**
 * Observes one whole check, when someone watches: the claim or the refusal
 * `outcome` settles with is published with its duration since `started`
 * (an {@link ClaimEvents.now} reading). The observation is a side branch:
 * `outcome` itself is returned, so the caller waits no extra turn, and the
 * branch never rejects.
 *
 * @param claimOf the {@link Claim} inside what `outcome` resolves with.
 * @param scope the scope in force, or a function that says it once the check ended.
 * @example
 * const started = events.now();
 * return watchCheck(events, started, claimer(token, context), (claim) => claim, context?.scope ?? events.scope, context?.request);
 */
export function watchCheck<R>(
  events: ClaimEvents,
  started: number,
  outcome: Promise<R>,
  claimOf: (result: R) => Claim,
  scope: string | (() => string),
  request: unknown,
): Promise<R> {
  const scopeNow = (): string => (typeof scope === 'string' ? scope : scope());
  outcome.then(
    (result) => {
      try {
        events.finished(claimOf(result), scopeNow(), request, started);
      } catch {
        // Observers observe: they never change the outcome.
      }
    },
    (err: unknown) => {
      try {
        events.refused(err, scopeNow(), request, started);
      } catch {
        // Observers observe: they never change the outcome.
      }
    },
  );
  return outcome;
}
