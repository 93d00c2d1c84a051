// jwt-once/otel: OpenTelemetry metrics (and, if asked, spans) for every guard
// in the process, fed by jwt-once's diagnostics channels. Only this entry
// imports @opentelemetry/api (an optional peer: the API, never an SDK).
import {
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type MeterProvider,
  type ObservableResult,
  type TracerProvider,
} from '@opentelemetry/api';
import { CHANNELS, subscribeChannel } from '../events/channels.js';
import type { ClaimMessage, RefuseEvent } from '../events/messages.js';

/** Options of {@link jwtOnceTelemetry}. */
export interface JwtOnceTelemetryOptions {
  /** Where the instruments are made. @default the global one, `metrics.getMeterProvider()` */
  meterProvider?: MeterProvider;
  /** Where spans are made, when `spans` is on. @default the global one, `trace.getTracerProvider()` */
  tracerProvider?: TracerProvider;
  /**
   * One span per check (`jwt-once claim`), child of the span active when the
   * check ended (the HTTP server span, with an HTTP instrumentation), with
   * the outcome, code, scope and store as attributes. @default false
   */
  spans?: boolean;
}

/** What {@link jwtOnceTelemetry} returns. */
export interface JwtOnceTelemetry {
  /** Stops recording: unsubscribes from the channels and removes the counter's callback. Idempotent. */
  stop(): void;
}

/** The instrumentation scope name of the meter and tracer. */
export const TELEMETRY_SCOPE = 'jwt-once';

/**
 * The names of the instruments, for views and dashboards.
 *
 * @example
 * new View({ instrumentName: METRIC_NAMES.storeDuration, aggregation: ... })
 */
export const METRIC_NAMES = {
  /** Counter of outcomes (claimed, or refused with a code). */
  outcomes: 'jwt_once.outcomes',
  /** Histogram of the store's answer time, in seconds, `db.client.operation.duration` style. */
  storeDuration: 'jwt_once.store.operation.duration',
} as const;

/** The buckets OpenTelemetry's semantic conventions advise for `db.client.operation.duration` (seconds). */
const STORE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** Counts per attribute set: `counter.add` would hash the attributes on every claim; this is one Map lookup. */
class OutcomeCounts {
  private readonly counts = new Map<string, { attributes: Attributes; count: number }>();

  add(guard: string, code: string | undefined): void {
    const key = code === undefined ? guard : `${guard}|${code}`;
    const entry = this.counts.get(key);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    const attributes: Attributes =
      code === undefined
        ? { 'jwt_once.guard': guard, 'jwt_once.outcome': 'claimed' }
        : { 'jwt_once.guard': guard, 'jwt_once.outcome': 'refused', 'jwt_once.code': code };
    this.counts.set(key, { attributes, count: 1 });
  }

  observe = (result: ObservableResult): void => {
    for (const { attributes, count } of this.counts.values()) result.observe(count, attributes);
  };
}

/**
 * Records what every jwt-once guard in the process does as OpenTelemetry
 * metrics: the checks it wires are every `jwtOnce` and `dpopOnce` middleware,
 * the Web guards, `claimToken`, `claimVerified` and `checkDpopProof`, made
 * before or after this call. Off until called; call it once, at start-up,
 * after your SDK is set up.
 *
 * - `jwt_once.outcomes` (counter, `{check}`): every check, by
 *   `jwt_once.guard` (`jwt`, `dpop`), `jwt_once.outcome` (`claimed`,
 *   `refused`) and, for a refusal, `jwt_once.code` (`ERR_JWT_ONCE_REUSED`, ...).
 *   An asynchronous counter: a claim adds to a count in memory, reported at
 *   each collection.
 * - `jwt_once.store.operation.duration` (histogram, `s`): how long the store
 *   took to answer a claim, by `db.system.name` (`redis`, `postgresql`,
 *   `sqlite`, `keyv`, `custom`), `db.operation.name` (`claim`),
 *   `jwt_once.guard` and, for a failure, `error.type` (`ERR_JWT_ONCE_STORE`).
 *   The memory stores answer synchronously and are not timed.
 * - With `spans: true`, a `jwt-once claim` span per check.
 *
 * Uses the `@opentelemetry/api` package (an optional peer dependency: install
 * it, and an SDK of your choice). It listens to the `jwt-once:claim` and
 * `jwt-once:refusal` channels, so the guards pay nothing for it until it is
 * called.
 *
 * @param options the providers, and whether to make spans. @default {} (global providers, no spans)
 * @example
 * import { jwtOnceTelemetry } from 'jwt-once/otel';
 * // after the OpenTelemetry SDK is started (NodeSDK, or MeterProvider + metrics.setGlobalMeterProvider):
 * const telemetry = jwtOnceTelemetry({ spans: true });
 * process.on('SIGTERM', () => telemetry.stop());
 */
export function jwtOnceTelemetry(options: JwtOnceTelemetryOptions = {}): JwtOnceTelemetry {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(TELEMETRY_SCOPE);
  const tracer = options.spans === true ? (options.tracerProvider ?? trace.getTracerProvider()).getTracer(TELEMETRY_SCOPE) : undefined;
  const outcomes = meter.createObservableCounter(METRIC_NAMES.outcomes, {
    description: 'Checks by jwt-once guards, by outcome and refusal code',
    unit: '{check}',
  });
  const storeDuration = meter.createHistogram(METRIC_NAMES.storeDuration, {
    description: 'Time the claim store took to answer a claim',
    unit: 's',
    advice: { explicitBucketBoundaries: STORE_BUCKETS },
  });
  const counts = new OutcomeCounts();
  outcomes.addCallback(counts.observe);

  function recordStore(message: ClaimMessage | RefuseEvent, failed: boolean): void {
    if (message.storeMs === undefined) return;
    const attributes: Attributes = {
      'db.system.name': message.store,
      'db.operation.name': 'claim',
      'jwt_once.guard': message.guard,
    };
    if (failed) attributes['error.type'] = 'ERR_JWT_ONCE_STORE';
    storeDuration.record(message.storeMs / 1000, attributes);
  }

  function span(message: ClaimMessage | RefuseEvent, code: string | undefined): void {
    if (tracer === undefined) return;
    const end = performance.timeOrigin + performance.now();
    const attributes: Attributes = {
      'jwt_once.guard': message.guard,
      'jwt_once.outcome': code === undefined ? 'claimed' : 'refused',
      'jwt_once.scope': message.scope,
      'db.system.name': message.store,
    };
    if (code !== undefined) attributes['jwt_once.code'] = code;
    const made = tracer.startSpan('jwt-once claim', { kind: SpanKind.INTERNAL, startTime: end - message.durationMs, attributes });
    if (code === 'ERR_JWT_ONCE_STORE') made.setStatus({ code: SpanStatusCode.ERROR, message: code });
    made.end(end);
  }

  const onClaim = (message: unknown): void => {
    const claim = message as ClaimMessage;
    counts.add(claim.guard, undefined);
    recordStore(claim, false);
    span(claim, undefined);
  };
  const onRefusal = (message: unknown): void => {
    const refusal = message as RefuseEvent;
    counts.add(refusal.guard, refusal.code);
    recordStore(refusal, refusal.code === 'ERR_JWT_ONCE_STORE');
    span(refusal, refusal.code);
  };
  const stops = [subscribeChannel(CHANNELS.claim, onClaim), subscribeChannel(CHANNELS.refusal, onRefusal)];
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      for (const stop of stops) stop();
      outcomes.removeCallback(counts.observe);
    },
  };
}
