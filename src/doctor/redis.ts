import type Keyv from 'keyv';
import type { InfoClient } from '../stores/redis/checks.js';
import { RedisClaimStore } from '../stores/redis/redis-store.js';
import { loadPeer, namedExport } from '../stores/optional-peer.js';
import { timeBound } from '../stores/timeouts.js';
import { UnreachableError, type Finding } from './finding.js';
import { checkRedisServer, infoFields, type RedisExpectations } from './redis-server.js';
import { describeError, maskUrl } from './redact.js';
import { roundTrip, throwawayKey } from './round-trip.js';

/** The node-redis client calls the doctor makes (single client or cluster). */
interface DoctorClient extends InfoClient {
  connect(): Promise<unknown>;
  on(event: string, listener: (err: unknown) => void): unknown;
  destroy(): unknown;
  readonly masters?: Array<{ address: string }>;
  nodeClient?(node: { address: string }): Promise<InfoClient>;
}

interface RedisModule {
  createClient(options: object): DoctorClient;
  createCluster(options: object): DoctorClient;
  KeyvRedis: new (client: unknown) => unknown;
  Keyv: new (store: unknown, options?: object) => Keyv;
}

async function loadRedis(masked: string): Promise<RedisModule> {
  const module = await loadPeer('@keyv/redis', masked);
  return {
    createClient: namedExport(module, 'createClient'),
    createCluster: namedExport(module, 'createCluster'),
    KeyvRedis: namedExport(module, 'KeyvRedis'),
    Keyv: namedExport(await import('keyv'), 'Keyv'),
  };
}

/** What the URL asks of the store (`waitForReplicas`, `allowEvictingRedis`) and whose ACL user it is. */
function expectationsOf(url: URL, timeout: number): RedisExpectations {
  const waitFor = Number(url.searchParams.get('waitForReplicas') ?? '0');
  return {
    waitForReplicas: Number.isInteger(waitFor) && waitFor > 0 ? waitFor : 0,
    allowEvicting: url.searchParams.get('allowEvictingRedis') === 'true',
    user: url.username === '' ? 'default' : decodeURIComponent(url.username),
    timeout,
  };
}

/** Connects a client, or throws {@link UnreachableError}; a client that failed is destroyed. */
async function connect(client: DoctorClient, timeout: number, what: string): Promise<void> {
  let lastError: unknown;
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await timeBound(client.connect(), timeout + 500, () => new Error(`no connection within ${timeout} ms`));
  } catch (err) {
    try {
      client.destroy();
    } catch {
      // never connected
    }
    throw new UnreachableError(
      `cannot connect to ${what}: ${describeError(lastError ?? err)}`,
      'check that the server runs and answers on that host and port, and the user, password and TLS (rediss://) of the URL',
    );
  }
}

/**
 * Every Redis / Valkey check: on a single server, or on each master of a
 * cluster (found with `INFO cluster`); then a claim, a replay and a release
 * through {@link RedisClaimStore} on a throwaway key in the `jwt-once`
 * namespace (the URL stores'), released and checked gone.
 *
 * @throws {UnreachableError} when no connection can be made (exit status 2).
 * @example
 * const findings = await checkRedis('redis://:pass@127.0.0.1:6379/0', 5000);
 */
export async function checkRedis(url: string, timeout: number): Promise<Finding[]> {
  const masked = maskUrl(url);
  const parsed = new URL(url);
  const expect = expectationsOf(parsed, timeout);
  const redis = await loadRedis(masked);
  const socket = { connectTimeout: timeout, reconnectStrategy: false };
  let client = redis.createClient({ url, socket, disableOfflineQueue: true });
  await connect(client, timeout, masked);
  const clusterInfo = await timeBound(client.sendCommand(['INFO', 'cluster']), timeout, () => new Error('timeout')).catch(() => undefined);
  const cluster = clusterInfo !== undefined && infoFields(clusterInfo).get('cluster_enabled') === '1';
  if (cluster) {
    client.destroy();
    const username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
    const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
    client = redis.createCluster({
      rootNodes: [{ url }],
      defaults: { username, password, socket: { ...socket, tls: parsed.protocol === 'rediss:' }, disableOfflineQueue: true },
    });
    await connect(client, timeout, `the cluster at ${masked}`);
  }
  const findings: Finding[] = [];
  let store: RedisClaimStore | undefined;
  try {
    if (cluster) {
      const masters = client.masters ?? [];
      findings.push({
        check: 'cluster',
        status: 'pass',
        found: `${masters.length} master${masters.length === 1 ? '' : 's'}, each checked below`,
      });
      for (const master of masters) {
        const node = await client.nodeClient!(master);
        findings.push(...(await checkRedisServer(node, master.address, expect)));
      }
    } else {
      findings.push(...(await checkRedisServer(client, `${parsed.hostname}:${parsed.port || '6379'}`, expect)));
    }
    // The store itself, as an app would use it; eviction is judged above, so the round trip does not stop at it.
    const keyv = new redis.Keyv(new redis.KeyvRedis(client), { namespace: 'jwt-once' });
    keyv.on('error', () => undefined);
    store = new RedisClaimStore(keyv, {
      allowEvictingRedis: true,
      commandTimeout: timeout,
      waitForReplicas: expect.waitForReplicas,
      replicaTimeout: Number(parsed.searchParams.get('replicaTimeout') ?? '100') || 100,
    });
    findings.push(await roundTrip(store, throwawayKey(), timeout));
  } finally {
    await store?.close();
    client.destroy();
  }
  return findings;
}
