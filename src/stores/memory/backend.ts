import type { StoreBackend } from '../store-backend.js';
import { MemoryStore } from './memory-store.js';

/**
 * `memory://`: a new {@link MemoryStore} (one process). No Keyv adapter:
 * `new Keyv()` on a Map is the keyv backend's.
 *
 * @example
 * memoryBackend.open!('memory://', 'memory'); // a MemoryStore
 */
export const memoryBackend: StoreBackend = {
  schemes: ['memory'],
  open: () => new MemoryStore(),
};
