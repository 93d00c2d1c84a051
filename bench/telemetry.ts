// Scenario 8: what observability costs. The core claim (createClaimer, HS256,
// memory store, one claim awaited at a time) with no telemetry, with
// jwtOnceTelemetry() on OpenTelemetry's no-op API (no SDK registered), and
// with a real SDK MeterProvider exporting to an in-memory exporter; then an
// asynchronous store (where the store histogram records every claim) without
// and with the SDK, and spans on (information). Interleaved, one run.
import { createSecretKey } from 'node:crypto';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { jwtOnceTelemetry, type JwtOnceTelemetryOptions } from '../src/otel/index.js';
import { createClaimer, MemoryStore, type ClaimStore } from '../src/index.js';
import { compare, interleave, log, pick, printMedians, rate, signTokens } from './harness.js';

const SCENARIO = 'telemetry';
/** Telemetry may cost at most 5% of the core claim rate. */
const BAR = 0.95;
const SECRET = 'a-string-secret-a-user-would-paste-in-here-32+chars';

/** The same MemoryStore, answering through a promise: the histogram then times every claim. */
function asyncStore(memory: MemoryStore): ClaimStore {
  return {
    claim: async (key, expiresAt, now, id) => memory.claim(key, expiresAt, now, id),
    release: async (key, expiresAt, id) => memory.release(key, expiresAt, id),
  };
}

interface Setup {
  name: string;
  /** The telemetry this candidate runs with, started before and stopped after its sample. `undefined`: none. */
  telemetry: (() => JwtOnceTelemetryOptions) | undefined;
  async: boolean;
}

export async function runTelemetry(): Promise<void> {
  log(`\n## 8. Telemetry overhead: the core claim with and without jwt-once/otel (bar >= ${BAR}x)`);
  const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
  const tokens = signTokens(pick(10_000, 20_000), key, 'HS256');
  const rounds = pick(7, 15);
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  let sink = 0;

  const setups: Setup[] = [
    { name: 'no telemetry', telemetry: undefined, async: false },
    { name: 'jwtOnceTelemetry(), no-op API', telemetry: () => ({}), async: false },
    { name: 'jwtOnceTelemetry(), SDK + in-memory exporter', telemetry: () => ({ meterProvider }), async: false },
    { name: 'the same + spans (in-memory)', telemetry: () => ({ meterProvider, tracerProvider, spans: true }), async: false },
    { name: 'async store, no telemetry', telemetry: undefined, async: true },
    { name: 'async store, SDK + in-memory exporter', telemetry: () => ({ meterProvider }), async: true },
  ];
  const results = await interleave(
    setups.map(({ name, telemetry, async }) => ({
      name,
      sample: async () => {
        // A fresh store each round, so every token is fresh again.
        const memory = new MemoryStore();
        const claim = createClaimer({ secret: SECRET, algorithms: ['HS256'], store: async ? asyncStore(memory) : memory });
        const running = telemetry === undefined ? undefined : jwtOnceTelemetry(telemetry());
        try {
          return await rate(tokens.length, async () => {
            for (const token of tokens) sink += (await claim(token)).payload.iat! & 1;
          });
        } finally {
          running?.stop();
          memory.close();
          spans.reset();
        }
      },
    })),
    rounds,
  );
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  if (sink < 0) log('unreachable');
  printMedians('HS256, memory store', results);
  const median = (name: string): number => results.get(name)!.median;
  const none = median('no telemetry');
  compare(SCENARIO, 'claimToken HS256 + jwtOnceTelemetry() on the no-op API', median(setups[1]!.name), 'no telemetry', none, BAR);
  compare(
    SCENARIO,
    'claimToken HS256 + jwtOnceTelemetry() with the SDK (in-memory exporter)',
    median(setups[2]!.name),
    'no telemetry',
    none,
    BAR,
  );
  compare(SCENARIO, 'the same with spans (in-memory span exporter)', median(setups[3]!.name), 'no telemetry', none, undefined);
  compare(
    SCENARIO,
    'async store + jwtOnceTelemetry() with the SDK (histogram on every claim)',
    median(setups[5]!.name),
    'async store, no telemetry',
    median(setups[4]!.name),
    undefined,
  );
}
