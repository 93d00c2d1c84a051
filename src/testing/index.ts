// jwt-once/testing: the ClaimStore contract suite, and helpers for an app's own tests.
// Loads no test runner (the contract takes the runner's functions) and is never loaded by the main entry.
export { claimStoreCases, type ClaimStoreCase, type ClaimStoreSubject } from './claim-store-cases.js';
export {
  claimStoreContract,
  runClaimStoreContract,
  type ContractReport,
  type ContractRunner,
  type OpenClaimStore,
} from './claim-store-contract.js';
export { createTokenFactory, type TokenFactory, type TokenFactoryOptions } from './token-factory.js';
export { isolatedStore, type IsolatedStoreOptions } from './isolated-store.js';
export { createTestClock, TEST_EPOCH, type TestClock } from './test-clock.js';
