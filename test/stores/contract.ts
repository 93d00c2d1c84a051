// The ClaimStore contract now ships as jwt-once/testing (src/testing/): this is that suite bound to jest,
// for the store tests that run it against a server they start themselves (the Redis Cluster in redis/redis-outage.test.ts).
import { claimStoreContract as publishedContract, type ClaimStoreSubject, type OpenClaimStore } from '../../src/testing/index.js';

/** One store under test, as the contract suite needs it. */
export type ContractSubject = ClaimStoreSubject;

/** The published contract (every case of `claimStoreCases()`), registered with jest's `it`, `beforeAll` and `afterAll`. */
export function claimStoreContract(open: OpenClaimStore): void {
  publishedContract(open, { it, beforeAll, afterAll });
}
