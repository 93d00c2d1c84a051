import { ConfigError, jwks, type JwksOptions } from '../../src/index.js';
import { JwksServer } from './jwks-server.js';

const URL = 'https://idp.example/.well-known/jwks.json';

function configError(options: unknown): string {
  try {
    jwks(options as JwksOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no ConfigError');
}

describe('jwks() options are checked at creation', () => {
  it('accepts https URLs, and http on loopback only', () => {
    expect(typeof jwks({ uri: URL })).toBe('function');
    expect(typeof jwks({ issuers: { 'https://idp.example': URL, 'https://b.example': URL } })).toBe('function');
    for (const loopback of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks']) {
      expect(typeof jwks({ uri: loopback })).toBe('function');
    }
    expect(typeof jwks({ uri: 'http://idp.internal/jwks', allowHttp: true })).toBe('function');
  });

  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /jwks options are required/],
    ['neither uri nor issuers', {}, /jwks needs `uri` or `issuers`/],
    ['both', { uri: URL, issuers: { a: URL } }, /not both/],
    ['empty issuers', { issuers: {} }, /`issuers` is empty/],
    ['issuers an array', { issuers: [URL] }, /must be an object mapping/],
    ['an empty issuer name', { issuers: { '': URL } }, /empty issuer name/],
    ['http on a network host', { uri: 'http://idp.example/jwks' }, /must be an https: URL .*allowHttp/],
    ['http for one issuer', { issuers: { a: URL, b: 'http://idp.example/jwks' } }, /issuers\["b"\] must be an https: URL/],
    ['a relative URL', { uri: '/jwks.json' }, /not an absolute URL/],
    ['another scheme', { uri: 'file:///etc/jwks.json' }, /must be an https: URL, got file:/],
    ['credentials in the URL', { uri: 'https://user:pw@idp.example/jwks' }, /must not carry credentials/],
    ['an empty uri', { uri: '' }, /must be the URL of a key set/],
    ['a negative ttl', { uri: URL, ttl: -1 }, /jwks `ttl` must be a finite number >= 1 \(ms\), got -1/],
    ['a string cooldown', { uri: URL, cooldown: '30' }, /jwks `cooldown` must be .* a string/],
    ['NaN timeout', { uri: URL, timeout: Number.NaN }, /jwks `timeout` must be/],
    ['Infinity maxStale', { uri: URL, maxStale: Infinity }, /jwks `maxStale` must be/],
    ['allowHttp not boolean', { uri: URL, allowHttp: 'yes' }, /`allowHttp` must be a boolean/],
    ['onError not a function', { uri: URL, onError: 'log' }, /`onError` must be a function/],
    ['a mistyped name', { uri: URL, coolDown: 1 }, /unknown jwks option `coolDown` \(did you mean `cooldown`\?\)/],
  ])('%s', (_case, options, message) => {
    expect(configError(options)).toMatch(message);
  });

  it('fetches nothing at creation', async () => {
    const idp = await JwksServer.start();
    try {
      jwks({ uri: idp.url });
      jwks({ issuers: { a: idp.url } });
      expect(idp.hits).toBe(0);
    } finally {
      await idp.stop();
    }
  });
});
