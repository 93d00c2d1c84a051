import { bearerToken, cookieValue, errorResponse, MalformedRequestError } from '../../src/index.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def.ghi  ', 'abc.def.ghi'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearerabc.def', 'Bear abc'])('finds no bearer token in %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });

  it.each(['Bearer', 'Bearer ', 'Bearer\tabc', 'Bearer a b', 'Bearer a, Bearer b', 'Bearer ,', 'Bearer a\u00a0b'])(
    'refuses the malformed Bearer credential %j with a 400',
    (header) => {
      expect(() => bearerToken(header)).toThrow(MalformedRequestError);
      try {
        bearerToken(header);
      } catch (err) {
        const answer = errorResponse(err as MalformedRequestError);
        expect(answer.status).toBe(400);
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request", error_description="/);
        expect(JSON.parse(answer.body)).toMatchObject({ status: 400, code: 'ERR_JWT_ONCE_MALFORMED' });
      }
    },
  );
});

describe('cookieValue', () => {
  it('reads one cookie, unquoted, and nothing else', () => {
    expect(cookieValue('theme=dark; magic=abc.def.ghi', 'magic')).toBe('abc.def.ghi');
    expect(cookieValue('magic="abc.def.ghi"', 'magic')).toBe('abc.def.ghi');
    expect(cookieValue('xmagic=abc; magicx=def', 'magic')).toBeUndefined();
    expect(cookieValue('magic=', 'magic')).toBeUndefined();
    expect(cookieValue(undefined, 'magic')).toBeUndefined();
  });
});
