/**
 * jwt-once/testing's contract suite is runner-neutral: the same fixture stores,
 * registered with node:test's, jest's and vitest's functions, each in a
 * real run of that runner (a child process), give the same verdicts; and the
 * deliberately broken stores fail exactly the cases for the promise they break.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, MemoryStore, type ClaimStore } from '../../src/index.js';
import { claimStoreContract, runClaimStoreContract } from '../../src/testing/index.js';
import { contractSubjects } from './fixtures/broken-stores.js';

const ROOT = join(__dirname, '../..');
const FIXTURES = join(__dirname, 'fixtures');
const run = promisify(execFile);

type Verdicts = Record<string, { passed: string[]; failed: string[] }>;

const CASES = {
  expiry: 'lets an expired claim be claimed again',
  releaseById: 'a release with another id (a late release of an earlier claim) keeps the newer claim of the same key',
  concurrent: 'of 1,000 concurrent claims of one key, exactly one wins',
  manyKeys: 'many keys claimed concurrently each win once',
  endToEnd: 'claimToken end to end: first use passes, 49 concurrent replays fail, release lets it through again',
};

/** What each store must fail: nothing for the good ones, the broken promise's cases for the others. */
const EXPECTED_FAILURES: Record<string, string[]> = {
  MemoryStore: [],
  'isolatedStore(shared MemoryStore)': [],
  'correct Map store': [],
  'racy store': [CASES.concurrent, CASES.manyKeys, CASES.endToEnd],
  'id-blind release': [CASES.releaseById],
  'never-expiring store': [CASES.expiry],
};

/** Runs the fixture under `node --test` (TAP) and reads each suite's passed and failed cases. */
async function underNodeTest(): Promise<Verdicts> {
  const args = ['--import', 'tsx', '--test-reporter=tap', '--test', join(FIXTURES, 'contract.node-test.ts')];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 120_000 }).catch((err: { stdout?: string; code?: number }) => {
    if (err.code !== 1 || err.stdout === undefined) throw err; // 1: some tests failed, as the broken stores must
    return { stdout: err.stdout };
  });
  const verdicts: Verdicts = {};
  let suite = '';
  for (const line of stdout.split('\n')) {
    const top = /^# Subtest: (.+)$/.exec(line);
    if (top) verdicts[(suite = top[1]!)] = { passed: [], failed: [] };
    const result = /^ {4}(not ok|ok) \d+ - (.+)$/.exec(line);
    if (result) verdicts[suite]![result[1] === 'ok' ? 'passed' : 'failed'].push(result[2]!);
  }
  return verdicts;
}

/** Runs a child runner that prints jest's JSON report (jest --json, vitest --reporter=json) and reads each describe's cases. */
async function jsonVerdicts(args: string[]): Promise<Verdicts> {
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 180_000, maxBuffer: 16 << 20 }).catch(
    (err: { stdout?: string; code?: number }) => {
      if (err.code !== 1 || err.stdout === undefined) throw err; // 1: some tests failed, as the broken stores must
      return { stdout: err.stdout };
    },
  );
  const report = JSON.parse(stdout) as {
    testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }> }>;
  };
  const verdicts: Verdicts = {};
  for (const { ancestorTitles, title, status } of report.testResults.flatMap((r) => r.assertionResults)) {
    const entry = (verdicts[ancestorTitles[0]!] ??= { passed: [], failed: [] });
    entry[status === 'passed' ? 'passed' : 'failed'].push(title);
  }
  return verdicts;
}

/** A child jest run of the fixture registered with jest's globals. */
const underJest = (): Promise<Verdicts> =>
  jsonVerdicts([
    join(ROOT, 'node_modules/jest/bin/jest.js'),
    '--roots',
    '<rootDir>/test/testing/fixtures',
    '--testMatch',
    '**/contract.jest-fixture.ts',
    '--json',
    '--maxWorkers=1',
  ]);

/** A child vitest run (vitest 3, the last major on Node 20) of the fixture registered with functions imported from 'vitest'. */
const underVitest = (): Promise<Verdicts> =>
  jsonVerdicts([join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(FIXTURES, 'vitest.config.mjs'), '--reporter=json']);

const failuresOf = (verdicts: Verdicts): Record<string, string[]> =>
  Object.fromEntries(Object.entries(verdicts).map(([name, { failed }]) => [name, failed]));
const casesOf = (verdicts: Verdicts): Record<string, number> =>
  Object.fromEntries(Object.entries(verdicts).map(([name, { passed, failed }]) => [name, passed.length + failed.length]));
const EIGHT_EACH = Object.fromEntries(Object.keys(EXPECTED_FAILURES).map((name) => [name, 8]));

describe('the published ClaimStore contract in real runs of each runner', () => {
  jest.setTimeout(240_000);

  it('node:test (node --test): the good stores pass all 8 cases, each broken store fails the cases of the promise it breaks', async () => {
    const verdicts = await underNodeTest();
    expect(casesOf(verdicts)).toEqual(EIGHT_EACH);
    expect(failuresOf(verdicts)).toEqual(EXPECTED_FAILURES);
  });

  it('jest (a child jest run): the same verdicts', async () => {
    const verdicts = await underJest();
    expect(casesOf(verdicts)).toEqual(EIGHT_EACH);
    expect(failuresOf(verdicts)).toEqual(EXPECTED_FAILURES);
  });

  it('vitest (a child vitest run): the same verdicts', async () => {
    const verdicts = await underVitest();
    expect(casesOf(verdicts)).toEqual(EIGHT_EACH);
    expect(failuresOf(verdicts)).toEqual(EXPECTED_FAILURES);
  });

  it('with no runner (runClaimStoreContract): the same verdicts, with the assertion that failed', async () => {
    const failures: Record<string, string[]> = {};
    for (const [name, open] of Object.entries(contractSubjects())) {
      const report = await runClaimStoreContract(open);
      expect([name, report.passed.length + report.failed.length]).toEqual([name, 8]);
      failures[name] = report.failed.map((f) => f.name);
      if (name === 'racy store') {
        const concurrent = report.failed.find((f) => f.name === CASES.concurrent)!.error as Error;
        expect(concurrent.message).toMatch(/won: 1000/); // every one of 1,000 concurrent claims passed
      }
    }
    expect(failures).toEqual(EXPECTED_FAILURES);
  });
});

describe('misuse is a ConfigError that says what to pass', () => {
  it('a runner without a test function or without hooks', () => {
    const open = () => new MemoryStore();
    expect(() => claimStoreContract(open, { beforeAll, afterAll })).toThrow(ConfigError);
    expect(() => claimStoreContract(open, { it, afterAll })).toThrow(
      /\{ it, beforeAll, afterAll \} from jest or vitest, \{ it, before, after \} from node:test/,
    );
  });

  it('an open() that returns no store', async () => {
    await expect(runClaimStoreContract(() => ({}) as unknown as ClaimStore)).rejects.toThrow(ConfigError);
    await expect(runClaimStoreContract(() => ({ store: {} }) as unknown as ClaimStore)).rejects.toThrow(/must return a ClaimStore/);
  });
});
