import type { InfoClient } from './checks.js';

/** A listener of a node-redis client event. */
export type Listener = (...args: unknown[]) => void;

/**
 * The part of a node-redis client (`createClient`) or cluster client
 * (`createCluster`) the Redis store uses. Both route a one-key command to the
 * node that owns the key.
 */
export interface RedisCommandClient {
  readonly isOpen: boolean;
  /** Single client only: connected, and its handshake done. */
  readonly isReady?: boolean;
  connect(): Promise<unknown>;
  set(key: string, value: string, options: object): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  exists(key: string): Promise<number>;
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  close?(): Promise<unknown>;
  destroy?(): unknown;
}

/** A cluster master as node-redis lists it. */
interface ClusterNode {
  address: string;
}

/** What a `createCluster` client adds. */
export interface ClusterClient extends RedisCommandClient {
  readonly masters: ClusterNode[];
  nodeClient(node: ClusterNode): Promise<InfoClient & RedisCommandClient>;
}

/**
 * True for a `createCluster` client (it lists its masters), false for a single client.
 * @example
 * isCluster(createCluster({ rootNodes })); // true
 */
export function isCluster(client: RedisCommandClient): client is ClusterClient {
  const c = client as Partial<ClusterClient>;
  return Array.isArray(c.masters) && typeof c.nodeClient === 'function';
}
