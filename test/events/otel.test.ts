// jwt-once/otel against the real OpenTelemetry SDK: an in-memory metric
// exporter behind a PeriodicExportingMetricReader (flushed by hand) and an
// in-memory span exporter. The counter counts every outcome by code, the
// histogram times the store in seconds, spans come only when asked for.
import { channel } from 'node:diagnostics_channel';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import { checkDpopProof } from '../../src/dpop/index.js';
import { jwtOnceTelemetry, METRIC_NAMES, type JwtOnceTelemetry } from '../../src/otel/index.js';
import { CHANNELS, claimToken, MemoryStore, type ClaimStore } from '../../src/index.js';
import { dpopKey, HTU, proofClaims, signProof } from '../helpers/dpop.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const now = () => NOW;

function asyncStore(memory: MemoryStore): ClaimStore {
  return {
    claim: async (key, expiresAt, at, id) => memory.claim(key, expiresAt, at, id),
    release: async (key, expiresAt, id) => memory.release(key, expiresAt, id),
  };
}

let exporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let meterProvider: MeterProvider;
let spans: InMemorySpanExporter;
let tracerProvider: BasicTracerProvider;
let telemetry: JwtOnceTelemetry | undefined;
const live = new MemoryStore({ now });
const dead = new MemoryStore({ now });
dead.close();

beforeEach(() => {
  exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  meterProvider = new MeterProvider({ readers: [reader] });
  spans = new InMemorySpanExporter();
  tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
});
afterEach(async () => {
  telemetry?.stop();
  telemetry = undefined;
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
});
afterAll(() => live.close());

async function collected(): Promise<Map<string, MetricData>> {
  await reader.forceFlush();
  const all =
    exporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
  return new Map(all.map((m) => [m.descriptor.name, m]));
}

/** One claim, one replay, one missing token, one store failure (jwt), and one DPoP proof claimed then replayed. */
async function traffic(): Promise<void> {
  const options = { secret: HS_SECRET, algorithms: ['HS256'] as const, now, store: asyncStore(live) };
  const token = hsToken();
  await claimToken(token, options);
  await expect(claimToken(token, options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
  await expect(claimToken(undefined, options)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_MISSING' });
  const down = { ...options, store: asyncStore(dead), onStoreError: () => undefined };
  await expect(claimToken(hsToken(), down)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_STORE' });
  const proof = signProof(dpopKey('ES256'), proofClaims());
  const dpopOptions = { store: live, now };
  await checkDpopProof(proof, { method: 'POST', url: HTU }, dpopOptions);
  await expect(checkDpopProof(proof, { method: 'POST', url: HTU }, dpopOptions)).rejects.toMatchObject({
    code: 'ERR_JWT_ONCE_DPOP_REUSED',
  });
}

it('counts every outcome by guard, outcome and code (jwt_once.outcomes)', async () => {
  telemetry = jwtOnceTelemetry({ meterProvider });
  await traffic();
  const outcomes = (await collected()).get(METRIC_NAMES.outcomes)!;
  expect(outcomes.descriptor).toMatchObject({ unit: '{check}' });
  expect(outcomes.dataPointType).toBe(DataPointType.SUM);
  const points = outcomes.dataPoints.map((p) => [p.attributes, p.value]);
  expect(points).toEqual(
    expect.arrayContaining([
      [{ 'jwt_once.guard': 'jwt', 'jwt_once.outcome': 'claimed' }, 1],
      [{ 'jwt_once.guard': 'jwt', 'jwt_once.outcome': 'refused', 'jwt_once.code': 'ERR_JWT_ONCE_REUSED' }, 1],
      [{ 'jwt_once.guard': 'jwt', 'jwt_once.outcome': 'refused', 'jwt_once.code': 'ERR_JWT_ONCE_MISSING' }, 1],
      [{ 'jwt_once.guard': 'jwt', 'jwt_once.outcome': 'refused', 'jwt_once.code': 'ERR_JWT_ONCE_STORE' }, 1],
      [{ 'jwt_once.guard': 'dpop', 'jwt_once.outcome': 'claimed' }, 1],
      [{ 'jwt_once.guard': 'dpop', 'jwt_once.outcome': 'refused', 'jwt_once.code': 'ERR_JWT_ONCE_DPOP_REUSED' }, 1],
    ]),
  );
  expect(points).toHaveLength(6);
  // Cumulative: more traffic adds to the same points.
  await claimToken(hsToken(), { secret: HS_SECRET, algorithms: ['HS256'], now, store: asyncStore(live) });
  const again = (await collected()).get(METRIC_NAMES.outcomes)!.dataPoints;
  expect(again.find((p) => p.attributes['jwt_once.guard'] === 'jwt' && p.attributes['jwt_once.outcome'] === 'claimed')!.value).toBe(2);
});

it('times the store in seconds (jwt_once.store.operation.duration): asynchronous stores only, failures with error.type', async () => {
  telemetry = jwtOnceTelemetry({ meterProvider });
  await traffic();
  const duration = (await collected()).get(METRIC_NAMES.storeDuration) as HistogramMetricData;
  expect(duration.descriptor).toMatchObject({ unit: 's' });
  const points = duration.dataPoints.map((p) => [p.attributes, p.value.count]);
  // The async store answered three claims (a win, a replay, a failure); the DPoP claims went to the memory store, not timed.
  expect(points).toEqual(
    expect.arrayContaining([
      [{ 'db.system.name': 'custom', 'db.operation.name': 'claim', 'jwt_once.guard': 'jwt' }, 2],
      [{ 'db.system.name': 'custom', 'db.operation.name': 'claim', 'jwt_once.guard': 'jwt', 'error.type': 'ERR_JWT_ONCE_STORE' }, 1],
    ]),
  );
  expect(points).toHaveLength(2);
  for (const point of duration.dataPoints) expect(point.value.max!).toBeLessThan(1); // seconds, not ms
  expect(duration.dataPoints[0]!.value.buckets.boundaries).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
});

it('makes a span per check only with spans: true, marking store failures as errors', async () => {
  telemetry = jwtOnceTelemetry({ meterProvider, tracerProvider });
  await traffic();
  expect(spans.getFinishedSpans()).toEqual([]);
  telemetry.stop();
  telemetry = jwtOnceTelemetry({ meterProvider, tracerProvider, spans: true });
  await traffic();
  const finished = spans.getFinishedSpans();
  expect(finished.map((s) => [s.name, s.attributes['jwt_once.outcome'], s.attributes['jwt_once.code']])).toEqual([
    ['jwt-once claim', 'claimed', undefined],
    ['jwt-once claim', 'refused', 'ERR_JWT_ONCE_REUSED'],
    ['jwt-once claim', 'refused', 'ERR_JWT_ONCE_MISSING'],
    ['jwt-once claim', 'refused', 'ERR_JWT_ONCE_STORE'],
    ['jwt-once claim', 'claimed', undefined],
    ['jwt-once claim', 'refused', 'ERR_JWT_ONCE_DPOP_REUSED'],
  ]);
  expect(finished.map((s) => s.status.code)).toEqual([0, 0, 0, SpanStatusCode.ERROR, 0, 0]);
  expect(finished[4]!.attributes).toMatchObject({ 'jwt_once.guard': 'dpop', 'jwt_once.scope': HTU, 'db.system.name': 'memory' });
});

it('stop() unsubscribes: the channels have no subscriber left, and nothing more is counted', async () => {
  telemetry = jwtOnceTelemetry({ meterProvider });
  expect(channel(CHANNELS.claim).hasSubscribers).toBe(true);
  expect(channel(CHANNELS.refusal).hasSubscribers).toBe(true);
  telemetry.stop();
  telemetry.stop();
  expect(channel(CHANNELS.claim).hasSubscribers).toBe(false);
  expect(channel(CHANNELS.refusal).hasSubscribers).toBe(false);
  await claimToken(hsToken(), { secret: HS_SECRET, algorithms: ['HS256'], now, store: live });
  expect((await collected()).get(METRIC_NAMES.outcomes)?.dataPoints ?? []).toEqual([]);
});
