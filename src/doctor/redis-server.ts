import { checkServer, type InfoClient } from '../stores/redis/checks.js';
import { timeBound } from '../stores/timeouts.js';
import type { Finding } from './finding.js';
import { describeError } from './redact.js';

/**
 * What the URL asks of the store, as far as the checks care.
 * @example
 * const expect: RedisExpectations = { waitForReplicas: 1, allowEvicting: false, user: 'app', timeout: 5000 };
 */
export interface RedisExpectations {
  /** `?waitForReplicas=` of the URL. @default 0 */
  readonly waitForReplicas: number;
  /** `?allowEvictingRedis=true` of the URL. @default false */
  readonly allowEvicting: boolean;
  /** The ACL user of the URL, for the fixes that name it. @default 'default' */
  readonly user: string;
  /** Most ms per command. */
  readonly timeout: number;
}

/** An answer, or the error a command got (a NOPERM, an unknown command, a timeout). */
type Answer<T> = { ok: true; value: T } | { ok: false; error: string };

async function send<T>(client: InfoClient, args: string[], timeout: number): Promise<Answer<T>> {
  try {
    const reply = await timeBound(client.sendCommand(args), timeout, () => new Error(`no answer within ${timeout} ms`));
    return { ok: true, value: reply as T };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

/**
 * The `field:value` lines of an INFO reply.
 * @example
 * infoFields('# Memory\r\nmaxmemory:0\r\n').get('maxmemory'); // '0'
 */
export function infoFields(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(reply).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** The value of a `CONFIG GET name` reply (a flat array or a map, by protocol version). */
function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) {
    const at = reply.findIndex((v, i) => i % 2 === 0 && String(v) === name);
    return at >= 0 && at + 1 < reply.length ? String(reply[at + 1]) : undefined;
  }
  if (reply instanceof Map) return reply.has(name) ? String(reply.get(name)) : undefined;
  if (typeof reply === 'object' && reply !== null && name in reply) return String((reply as Record<string, unknown>)[name]);
  return undefined;
}

/** Bytes in the units `redis.conf` uses. */
function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1).replace(/\.0$/, '')}gb`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1).replace(/\.0$/, '')}mb`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1).replace(/\.0$/, '')}kb`;
  return `${n}b`;
}

/**
 * Every check of one Redis server (a single node, or one master of a
 * cluster): commands allowed, role, eviction, persistence, replicas, clock.
 * Never throws: a check that cannot run is `unknown`, naming what to grant.
 *
 * @param now the local clock, for the offset of `TIME`. @default Date.now
 * @example
 * const expect = { waitForReplicas: 0, allowEvicting: false, user: 'default', timeout: 5000 };
 * const findings = await checkRedisServer(client, '127.0.0.1:6379', expect);
 */
export async function checkRedisServer(
  client: InfoClient,
  server: string,
  expect: RedisExpectations,
  now: () => number = Date.now,
): Promise<Finding[]> {
  const t = expect.timeout;
  const info = await send<string>(client, ['INFO'], t);
  const fields = info.ok ? infoFields(info.value) : undefined;
  const fsync = await send<unknown>(client, ['CONFIG', 'GET', 'appendfsync'], t);
  const save = fsync.ok ? await send<unknown>(client, ['CONFIG', 'GET', 'save'], t) : fsync;
  const before = now();
  const time = await send<unknown[]>(client, ['TIME'], t);
  const after = now();
  const { report, refusal } = await checkServer(client, server, false, t);
  const at = (f: Omit<Finding, 'server'>): Finding => ({ ...f, server });

  const findings: Finding[] = [];
  const grantInfo = `ACL SETUSER ${expect.user} +info`;
  const config = fsync.ok ? 'CONFIG GET allowed' : `CONFIG GET refused (${fsync.error})`;
  if (info.ok) findings.push(at({ check: 'commands', status: 'pass', found: `INFO allowed; ${config}` }));
  else
    findings.push(
      at({
        check: 'commands',
        status: expect.allowEvicting ? 'warn' : 'fail',
        found: `INFO refused (${info.error}); ${config}`,
        fix: expect.allowEvicting
          ? `allowEvictingRedis=true skips the eviction check jwt-once cannot run; rather grant it: ${grantInfo}`
          : `jwt-once refuses every claim (503) on a Redis whose INFO it cannot read: ${grantInfo}`,
      }),
    );

  const role = fields?.get('role');
  if (role === 'slave' || role === 'replica')
    findings.push(
      at({
        check: 'role',
        status: 'fail',
        found: `a replica (master ${fields?.get('master_host') ?? '?'}:${fields?.get('master_port') ?? '?'}): read-only, every claim fails`,
        fix: 'point the store URL at the master (or at the cluster)',
      }),
    );

  findings.push(at(evictionFinding(report.maxmemory, report.maxmemoryPolicy, refusal?.message, fields, grantInfo)));
  findings.push(at(persistenceFinding(fields, fsync, save, grantInfo)));
  if (role !== 'slave' && role !== 'replica') findings.push(at(replicaFinding(fields, expect.waitForReplicas, grantInfo)));
  findings.push(at(clockFinding(time, before, after)));
  return findings;
}

function evictionFinding(
  maxmemory: number | undefined,
  policy: string | undefined,
  refusal: string | undefined,
  fields: Map<string, string> | undefined,
  grantInfo: string,
): Omit<Finding, 'server'> {
  if (maxmemory === undefined || policy === undefined)
    return { check: 'eviction', status: 'unknown', found: 'cannot check: INFO memory could not be read', fix: grantInfo };
  if (refusal !== undefined)
    return {
      check: 'eviction',
      status: 'fail',
      found: `maxmemory ${bytes(maxmemory)}, maxmemory-policy ${policy}: claims can be evicted, and their tokens replayed`,
      fix:
        'CONFIG SET maxmemory-policy noeviction (and in redis.conf, or the provider setting); ' +
        'jwt-once refuses claims here unless allowEvictingRedis=true',
    };
  if (maxmemory === 0) return { check: 'eviction', status: 'pass', found: `maxmemory 0 (no limit), maxmemory-policy ${policy}` };
  const used = Number(fields?.get('used_memory'));
  const share = Number.isFinite(used) ? used / maxmemory : 0;
  const found = `maxmemory ${bytes(maxmemory)}, maxmemory-policy noeviction, ${Math.round(share * 100)}% used`;
  if (share >= 0.9)
    return { check: 'eviction', status: 'warn', found, fix: 'raise maxmemory: when it is full every claim is refused (503)' };
  return { check: 'eviction', status: 'pass', found };
}

function persistenceFinding(
  fields: Map<string, string> | undefined,
  fsync: Answer<unknown>,
  save: Answer<unknown>,
  grantInfo: string,
): Omit<Finding, 'server'> {
  const aof = fields?.get('aof_enabled');
  if (aof === undefined)
    return { check: 'persistence', status: 'unknown', found: 'cannot check: INFO persistence could not be read', fix: grantInfo };
  const enableAof = 'CONFIG SET appendonly yes and CONFIG SET appendfsync everysec (and in redis.conf, or the provider setting)';
  if (aof === '1') {
    const policy = fsync.ok ? configValue(fsync.value, 'appendfsync') : undefined;
    if (policy === 'always')
      return { check: 'persistence', status: 'pass', found: 'AOF, appendfsync always: nothing acknowledged is lost' };
    if (policy === 'everysec')
      return {
        check: 'persistence',
        status: 'pass',
        found: 'AOF, appendfsync everysec: a Redis crash loses nothing, a machine crash about the last second',
      };
    if (policy === undefined)
      return {
        check: 'persistence',
        status: 'unknown',
        found: 'AOF on; appendfsync cannot be read (CONFIG GET refused)',
        fix: 'make sure appendfsync is everysec or always (redis.conf, or the provider setting)',
      };
    return {
      check: 'persistence',
      status: 'warn',
      found: `AOF, appendfsync ${policy}: the OS decides when claims reach the disk; a machine crash can lose many`,
      fix: 'CONFIG SET appendfsync everysec (or always)',
    };
  }
  const snapshots = save.ok ? configValue(save.value, 'save') : undefined;
  const found =
    snapshots === undefined
      ? 'AOF off: a restart loses every claim made since the last snapshot, if any'
      : snapshots.trim() === ''
        ? 'no persistence (AOF off, no RDB snapshots): a restart forgets every claim'
        : `RDB snapshots only (save ${snapshots}), AOF off: a restart loses every claim since the last snapshot`;
  return { check: 'persistence', status: 'warn', found, fix: enableAof };
}

function replicaFinding(fields: Map<string, string> | undefined, wanted: number, grantInfo: string): Omit<Finding, 'server'> {
  if (fields === undefined)
    return { check: 'replicas', status: 'unknown', found: 'cannot check: INFO replication could not be read', fix: grantInfo };
  const connected = Number(fields.get('connected_slaves') ?? '0');
  const replicas: Array<{ address: string; online: boolean; lag: number }> = [];
  for (let i = 0; i < connected; i++) {
    const line = fields.get(`slave${i}`);
    if (line === undefined) continue;
    const parts = new Map(line.split(',').map((kv) => kv.split('=') as [string, string]));
    replicas.push({
      address: `${parts.get('ip')}:${parts.get('port')}`,
      online: parts.get('state') === 'online',
      lag: Number(parts.get('lag') ?? '0'),
    });
  }
  const online = replicas.filter((r) => r.online).length;
  const listed = replicas.map((r) => `${r.address} ${r.online ? 'online' : 'not online'}, lag ${r.lag} s`).join('; ');
  if (wanted > online)
    return {
      check: 'replicas',
      status: 'fail',
      found:
        `waitForReplicas=${wanted} but ${online} replica${online === 1 ? '' : 's'} online` +
        `${listed === '' ? '' : ` (${listed})`}: every claim is refused (503)`,
      fix: `attach ${wanted - online} more replica${wanted - online === 1 ? '' : 's'}, or lower waitForReplicas in the URL`,
    };
  if (replicas.length === 0) return { check: 'replicas', status: 'pass', found: 'none (no failover to lose claims in; see persistence)' };
  const lagging = replicas.filter((r) => r.online && r.lag > 1);
  if (wanted === 0)
    return {
      check: 'replicas',
      status: 'warn',
      found: `${replicas.length} (${listed}), asynchronous: a failover can lose claims answered 2xx, and their tokens pass again`,
      fix: 'add ?waitForReplicas=1&replicaTimeout=100 to the store URL',
    };
  if (lagging.length > 0)
    return {
      check: 'replicas',
      status: 'warn',
      found: `${listed}; waitForReplicas=${wanted}`,
      fix: 'a lagging replica makes WAIT time out (503): check the replication link',
    };
  return { check: 'replicas', status: 'pass', found: `${listed}; waitForReplicas=${wanted} confirms each claim` };
}

/** Offsets up to this many ms pass. */
const CLOCK_TOLERANCE_MS = 1000;

function clockFinding(time: Answer<unknown[]>, before: number, after: number): Omit<Finding, 'server'> {
  if (!time.ok)
    return { check: 'clock', status: 'unknown', found: `cannot check: TIME refused (${time.error})`, fix: 'allow TIME to this user' };
  const [seconds, micros] = time.value.map(Number);
  const server = (seconds ?? Number.NaN) * 1000 + (micros ?? 0) / 1000;
  const offset = Math.round(server - (before + after) / 2);
  const found = `server clock ${offset >= 0 ? '+' : ''}${offset} ms from this machine's (round trip ${Math.round(after - before)} ms)`;
  if (!Number.isFinite(offset)) return { check: 'clock', status: 'unknown', found: 'TIME gave no time' };
  if (Math.abs(offset) <= CLOCK_TOLERANCE_MS) return { check: 'clock', status: 'pass', found };
  return {
    check: 'clock',
    status: 'warn',
    found:
      `${found}; claims are sent as lifetimes (PX), so Redis's clock does not shorten them, ` +
      "but token expiry is judged by each app host's clock",
    fix: 'run NTP (chrony, systemd-timesyncd) on the Redis and app hosts',
  };
}
