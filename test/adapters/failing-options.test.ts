import { MemoryStore } from '../../src/index.js';
import { FRAMEWORKS, type AnyOptions, type Served } from '../helpers/frameworks.js';
import { withBearer } from '../helpers/http.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../helpers/tokens.js';

failOnUnhandledRejections();

const boom = (): never => {
  throw new Error('option function failed');
};
const rejecting = async (): Promise<never> => {
  throw new Error('option function rejected');
};

/** Options whose function of the request fails: each must fail the request (5xx), never reach the handler. */
const FAILING: Array<[string, AnyOptions]> = [
  ['getToken throws', { getToken: boom }],
  ['getToken rejects', { getToken: rejecting }],
  ['scope throws', { scope: boom }],
  ['scope rejects', { scope: rejecting }],
  ['verifiedPayload throws', { verifiedPayload: boom }],
  ['verifiedPayload rejects', { verifiedPayload: rejecting }],
];

describe.each(FRAMEWORKS)('a failing option function on $name', (framework) => {
  let server: Served | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each(FAILING)('%s: answered 5xx, the handler never runs', async (_what, failing) => {
    const verifying = 'verifiedPayload' in failing ? {} : { secret: HS_SECRET, algorithms: ['HS256'] };
    server = await framework.onRoutes({ ...verifying, store: new MemoryStore(), now: () => NOW, ...failing }, [{ method: 'post', path: '/x' }]);
    const res = await withBearer(`${server.url}/x`, hsToken(), { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.status).toBeLessThan(600);
    expect(server.reached.count).toBe(0);
  });
});
