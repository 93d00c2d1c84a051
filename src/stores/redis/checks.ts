import { StoreError } from '../../errors.js';
import { timeBound } from '../timeouts.js';

/** The one command of a node-redis client (or a cluster's node client) the server checks send. */
export interface InfoClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * What jwt-once found on one Redis server (a single node, or one master of a
 * cluster) the last time that connection became ready.
 */
export interface RedisServerReport {
  /** `host:port` of the server, as the client reaches it. Never sent to HTTP clients. */
  readonly address: string;
  /** `maxmemory` in bytes; 0 means no limit. `undefined` when INFO could not be read. */
  readonly maxmemory: number | undefined;
  /** `maxmemory-policy`, e.g. `noeviction`. `undefined` when INFO could not be read. */
  readonly maxmemoryPolicy: string | undefined;
  /** `appendonly yes` on that server (`INFO persistence`). jwt-once reports it and never refuses for it. */
  readonly aofEnabled: boolean | undefined;
  /** True when claims are refused because of this server (eviction, or INFO unreadable). */
  readonly refused: boolean;
}

/**
 * The `field:value` lines of an INFO reply.
 *
 * @example
 * parseInfo('# Memory\r\nmaxmemory:0\r\n').get('maxmemory'); // '0'
 */
function parseInfo(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(reply).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/**
 * The refusal for a server that can evict live claims, or `undefined` when it
 * cannot: `maxmemory` 0 (no limit) or `maxmemory-policy noeviction`. Every
 * other policy may drop a claim under memory pressure (volatile-* too: every
 * claim has a TTL). The message names the policy and the fix, never the host
 * (a 503's message reaches HTTP clients).
 *
 * @example
 * evictionRefusal(64 << 20, 'allkeys-lru'); // a StoreError naming allkeys-lru and noeviction
 * evictionRefusal(0, 'allkeys-lru'); // undefined: no limit, nothing is evicted
 */
function evictionRefusal(maxmemory: number, policy: string): StoreError | undefined {
  if (maxmemory === 0 || policy === 'noeviction') return undefined;
  return new StoreError(
    `jwt-once refuses claims on a Redis that evicts keys (maxmemory-policy ${policy} with maxmemory set): ` +
      'a claim dropped under memory pressure lets its token be replayed. Set maxmemory-policy noeviction ' +
      '(redis.conf or CONFIG SET), or pass allowEvictingRedis: true to accept that risk',
  );
}

/**
 * Reads `INFO memory` (and, for the report only, `INFO persistence`) from one
 * server. INFO works where `CONFIG` is disabled (managed services). When INFO
 * cannot be read (a renamed or ACL-denied command, a timeout), the server is
 * refused unless `allowEvicting`: jwt-once cannot tell whether it evicts.
 *
 * @returns the report and, when claims must be refused, the error to refuse them with.
 * @example
 * const { report, refusal } = await checkServer(client, '127.0.0.1:6379', false, 1000);
 */
export async function checkServer(
  client: InfoClient,
  address: string,
  allowEvicting: boolean,
  timeout: number,
): Promise<{ report: RedisServerReport; refusal: StoreError | undefined }> {
  const persistence = timeBound(
    client.sendCommand(['INFO', 'persistence']),
    timeout,
    () => new Error(`no answer within ${timeout} ms`),
  ).then(
    (reply) => parseInfo(reply).get('aof_enabled'),
    () => undefined,
  );
  let memory: Map<string, string> | undefined;
  let cause: unknown;
  try {
    memory = parseInfo(await timeBound(client.sendCommand(['INFO', 'memory']), timeout, () => new Error(`no answer within ${timeout} ms`)));
  } catch (err) {
    cause = err;
  }
  const aof = await persistence;
  const maxmemory = memory === undefined ? undefined : Number(memory.get('maxmemory'));
  const policy = memory?.get('maxmemory_policy');
  let refusal: StoreError | undefined;
  if (allowEvicting) {
    refusal = undefined;
  } else if (maxmemory === undefined || !Number.isFinite(maxmemory) || policy === undefined) {
    refusal = new StoreError(
      'jwt-once could not read INFO memory from Redis, so it cannot tell whether Redis evicts claims; ' +
        'allow INFO for this user (ACL SETUSER <user> +info) or pass allowEvictingRedis: true',
      { cause },
    );
  } else {
    refusal = evictionRefusal(maxmemory, policy);
  }
  const report: RedisServerReport = {
    address,
    maxmemory: maxmemory !== undefined && Number.isFinite(maxmemory) ? maxmemory : undefined,
    maxmemoryPolicy: policy,
    aofEnabled: aof === undefined ? undefined : aof === '1',
    refused: refusal !== undefined,
  };
  return { report, refusal };
}
