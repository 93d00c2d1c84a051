import { checkPublicJwk, jwkThumbprint, normalizeHtu, requestTarget } from '../../src/dpop/index.js';

describe('jwkThumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 s3.1 example thumbprint, whatever the member order and extra members', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    checkPublicJwk(jwk, 'RS256');
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('refuses a jwk with a member that is not base64url', () => {
    expect(() => checkPublicJwk({ kty: 'EC', crv: 'P-256', x: 'a+b', y: 'c' }, 'ES256')).toThrow(/member x/);
  });
});

describe('normalizeHtu', () => {
  it.each([
    ['HTTPS://Server.Example.COM:443/token', 'https://server.example.com/token'],
    ['http://server.example.com:80', 'http://server.example.com/'],
    ['https://server.example.com:8443/a/./b/../c?q=1#f', 'https://server.example.com:8443/a/c'],
    ['https://user:pw@server.example.com/%7euser/%2f', 'https://server.example.com/~user/%2F'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it.each(['ftp://server.example.com/x', 'urn:x:y', '/token', '', 42])('refuses %p', (input) => {
    expect(normalizeHtu(input)).toBeUndefined();
  });

  it('requestTarget joins the public origin and the path, never resolving the path as a URL', () => {
    expect(requestTarget('/token?x', 'https://api.example.com')).toBe('https://api.example.com/token');
    expect(requestTarget('//evil.example/token', 'https://api.example.com')).toBe('https://api.example.com//evil.example/token');
    expect(requestTarget('/token', undefined)).toBeUndefined();
  });

  it.each([
    '/files/%2e%2e/pay',
    '/files/%2E%2e/pay',
    '/files/.%2E/pay',
    '/files/../pay',
    '/files/./pay',
    '/files/%2e/pay',
    '/files/..',
    '/files/..\\pay',
    '/files\\pay',
    '/files/.\t./pay',
    'https://api.example.com/files/%2e%2e/pay',
    'http://10.0.0.5:3000/files/..\\pay?x',
    'http://10.0.0.5:3000\\pay',
  ])('requestTarget refuses %p (a dot segment or backslash the router did not resolve), with and without origin', (url) => {
    expect(requestTarget(url, 'https://api.example.com')).toBeUndefined();
    if (!url.startsWith('/')) expect(requestTarget(url, undefined)).toBeUndefined();
  });

  it('requestTarget keeps dots inside segments, in the query, and encoded slashes and backslashes as they are', () => {
    const origin = 'https://api.example.com';
    expect(requestTarget('/files/..report/pay', origin)).toBe('https://api.example.com/files/..report/pay');
    expect(requestTarget('/files/a.b/pay?next=/../x\\y', origin)).toBe('https://api.example.com/files/a.b/pay');
    expect(requestTarget('/files/a%2Fb/%5C', origin)).toBe('https://api.example.com/files/a%2Fb/%5C');
    expect(requestTarget('http://10.0.0.5:3000?x=1', origin)).toBe('https://api.example.com/');
    expect(requestTarget('HTTP://API.example.com:80/a%7eb?x', undefined)).toBe('http://api.example.com/a~b');
  });
});
