/**
 * The snippets of docs/guides/testing.md that jest can run, as the guide writes them
 * (test/docs/readme-snippets.ts holds them verbatim): the jest contract registration,
 * here against a MemoryStore behind the guide's `connect`, and the app test.
 */
// First: sets JWT_SECRET, which readme-snippets.ts reads when it loads (and the guide's app test).
import '../docs/readme-snippets-env.js';
import { MemoryStore } from '../../src/index.js';
import { testingOwnStoreJest, testingYourApp } from '../docs/readme-snippets.js';

const saved = { REDIS_URL: process.env.REDIS_URL };
process.env.REDIS_URL = 'memory://guide';
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const connected: string[] = [];
testingOwnStoreJest({
  async connect(url) {
    connected.push(url);
    const store = new MemoryStore();
    return { claim: (...args) => store.claim(...args), release: (...args) => store.release(...args), close: async () => store.close() };
  },
});
testingYourApp();

it('opened the guide’s store once, from REDIS_URL', () => {
  expect(connected).toEqual(['memory://guide']);
});
