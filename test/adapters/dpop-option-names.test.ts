// DPoP options are name-checked like the JWT options: a mistyped name is a
// ConfigError at creation that suggests the closest one, on every dpopOnce
// and on the framework-free checker; the adapter's own names are accepted.
import { dpopOnce as expressDpop } from '../../adapters/express/dpop-once.js';
import { dpopOnce as fastifyDpop } from '../../adapters/fastify/dpop-once.js';
import { dpopOnce as honoDpop } from '../../adapters/hono/dpop-once.js';
import { dpopOnce as koaDpop } from '../../adapters/koa/dpop-once.js';
import { createDpopChecker } from '../../src/dpop/index.js';
import { MemoryStore } from '../../src/index.js';

const store = new MemoryStore();
afterAll(() => store.close());

const MAKERS: Array<[string, (options: Record<string, unknown>) => unknown]> = [
  ['Express dpopOnce', (options) => expressDpop(options as never)],
  ['Koa dpopOnce', (options) => koaDpop(options as never)],
  ['Hono dpopOnce', (options) => honoDpop(options as never)],
  ['Fastify dpopOnce', (options) => fastifyDpop(options as never)],
  ['createDpopChecker', (options) => createDpopChecker(options as never)],
];

describe.each(MAKERS)('%s option names', (_name, make) => {
  it('refuses `iatWindo` at creation, suggesting `iatWindow`', () => {
    expect(() => make({ store, iatWindo: 30 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_ONCE_CONFIG', message: expect.stringMatching(/`iatWindo` \(did you mean `iatWindow`\?\)/) }),
    );
  });

  it('names every unknown option, with no suggestion for a name far from all', () => {
    expect(() => make({ store, clockTolerence: 5, frobnicate: true })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/unknown .*options `clockTolerence` \(did you mean `clockTolerance`\?\), `frobnicate`;/),
      }),
    );
  });

  it('accepts every DPoP option name', () => {
    const options = { store, iatWindow: 30, clockTolerance: 5, origin: 'https://api.example.com', maxProofLength: 4096, maxJtiLength: 64 };
    expect(() => make(options)).not.toThrow();
  });
});

describe.each(MAKERS.slice(0, 4))("%s: the adapter's own names", (_name, make) => {
  it('accepts `onError` and `accessTokenPayload`', () => {
    expect(() => make({ store, onError: () => undefined, accessTokenPayload: () => ({}) })).not.toThrow();
  });
});
