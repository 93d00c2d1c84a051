/**
 * The shard of a replay key: FNV-1a (32 bit) of its UTF-16 code units, modulo
 * the shard count. Synchronous and the same on every runtime, so every Worker
 * sends a key to the same object.
 * @example
 * shardOf('sha256:abc', 16); // a number from 0 to 15, always the same for this key
 */
export function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
