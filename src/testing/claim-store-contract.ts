import { ConfigError } from '../errors.js';
import { isClaimStore, type ClaimStore } from '../stores/claim-store.js';
import { claimStoreCases, type ClaimStoreSubject } from './claim-store-cases.js';

/**
 * Opens the store under test: a {@link ClaimStoreSubject}, or just the store (then closed after the last case).
 *
 * @example
 * const open: OpenClaimStore = () => new MyStore();
 */
export type OpenClaimStore = () => ClaimStoreSubject | ClaimStore | Promise<ClaimStoreSubject | ClaimStore>;

type Body = () => Promise<void>;

/**
 * The test runner's own functions, as imported from it: a test function
 * (`it` or `test`) and hooks run once before and after them (`beforeAll` and
 * `afterAll` in jest and vitest, `before` and `after` in `node:test` and mocha).
 * jwt-once never imports a runner itself. Either name of each is enough.
 *
 * @example
 * import { it, before, after } from 'node:test';
 * const runner: ContractRunner = { it, before, after };
 */
export interface ContractRunner {
  it?: (name: string, body: Body) => unknown;
  test?: (name: string, body: Body) => unknown;
  beforeAll?: (body: Body) => unknown;
  before?: (body: Body) => unknown;
  afterAll?: (body: Body) => unknown;
  after?: (body: Body) => unknown;
}

/**
 * What {@link runClaimStoreContract} found: the names of the cases passed, and each failure with its error.
 *
 * @example
 * const { passed, failed } = await runClaimStoreContract(() => new MyStore());
 * console.log(`${passed.length} passed`, failed.map((f) => f.name));
 */
export interface ContractReport {
  passed: string[];
  failed: Array<{ name: string; error: unknown }>;
}

function subjectOf(opened: ClaimStoreSubject | ClaimStore): ClaimStoreSubject {
  if ('store' in opened && isClaimStore(opened.store)) return opened;
  if (isClaimStore(opened)) return { store: opened, cleanup: () => opened.close?.() };
  throw new ConfigError(
    'claimStoreContract: open() must return a ClaimStore (claim and release) or { store, injectedClock?, keyv?, cleanup? }',
  );
}

/**
 * Registers the {@link ClaimStore} contract (every case of {@link claimStoreCases})
 * with your test runner, as `@keyv/test-suite` does for Keyv stores, so your
 * own store is held to the promise the built-in ones keep. `open` runs once,
 * in the before hook; `cleanup` (or the store's `close`) in the after hook.
 * Works under `node:test`, jest, vitest and mocha: assertions are `node:assert`'s.
 *
 * @throws {ConfigError} when `runner` has no `it`/`test`, no `beforeAll`/`before` or no `afterAll`/`after`.
 * @example
 * // node:test
 * import { describe, it, before, after } from 'node:test';
 * import { claimStoreContract } from 'jwt-once/testing';
 * describe('MyStore', () => claimStoreContract(() => new MyStore(), { it, before, after }));
 * @example
 * // jest or vitest (import them from 'vitest' there)
 * describe('MyStore', () => claimStoreContract(() => ({ store: new MyStore(), injectedClock: true }), { it, beforeAll, afterAll }));
 */
export function claimStoreContract(open: OpenClaimStore, runner: ContractRunner): void {
  const register = runner.it ?? runner.test;
  const before = runner.beforeAll ?? runner.before;
  const after = runner.afterAll ?? runner.after;
  if (register === undefined || before === undefined || after === undefined) {
    throw new ConfigError(
      'claimStoreContract needs your runner’s functions: ' +
        '{ it, beforeAll, afterAll } from jest or vitest, { it, before, after } from node:test',
    );
  }
  let subject: ClaimStoreSubject | undefined;
  before(async () => {
    subject = subjectOf(await open());
  });
  after(async () => {
    await subject?.cleanup?.();
  });
  for (const contractCase of claimStoreCases()) {
    register(contractCase.name, async () => {
      if (subject === undefined) throw new Error('the store under test was not opened: see the error of the before hook');
      await contractCase.run(subject);
    });
  }
}

/**
 * Runs every case of the contract against one store, one after another,
 * without a test runner (a script, a health check of a new backend, a test of
 * the suite itself). Never rejects for a failed case: they are in the report.
 *
 * @example
 * import { runClaimStoreContract } from 'jwt-once/testing';
 * const { failed } = await runClaimStoreContract(() => new MyStore());
 * if (failed.length > 0) throw new AggregateError(failed.map((f) => f.error), failed.map((f) => f.name).join(', '));
 */
export async function runClaimStoreContract(open: OpenClaimStore): Promise<ContractReport> {
  const report: ContractReport = { passed: [], failed: [] };
  const subject = subjectOf(await open());
  try {
    for (const contractCase of claimStoreCases()) {
      try {
        await contractCase.run(subject);
        report.passed.push(contractCase.name);
      } catch (error) {
        report.failed.push({ name: contractCase.name, error });
      }
    }
  } finally {
    await subject.cleanup?.();
  }
  return report;
}
