import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { decodeUnverified } from '../../src/decode-unverified.js';

/** What the resolver path used before: jsonwebtoken.decode, with its nulls and throws as `null`, and non-object parts refused. */
function reference(token: string): { header: unknown; payload: unknown } | null {
  let decoded: ReturnType<typeof jwt.decode>;
  try {
    decoded = jwt.decode(token, { complete: true });
  } catch {
    return null;
  }
  if (decoded === null || typeof decoded.header !== 'object' || decoded.header === null) return null;
  if (typeof decoded.payload !== 'object' || decoded.payload === null) return null;
  return { header: decoded.header, payload: decoded.payload };
}

const b64 = (text: string, encoding: BufferEncoding = 'utf8') => Buffer.from(text, encoding).toString('base64url');
/** A JSON value or almost-JSON text, so both sides see parse failures, non-objects and objects. */
const part = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.dictionary(fc.string(), fc.jsonValue()).map((v) => JSON.stringify(v)),
  fc
    .record({ typ: fc.constantFrom('JWT', 'jwt', 'at+jwt'), alg: fc.string(), kid: fc.string({ unit: 'grapheme' }) })
    .map((v) => JSON.stringify(v)),
  fc.string({ unit: 'grapheme' }),
);

describe('decodeUnverified', () => {
  it('decodes exactly what jsonwebtoken.decode(token, { complete: true }) decodes', () => {
    fc.assert(
      fc.property(part, part, fc.constantFrom('', 'c2ln', 'a.b', '!'), fc.boolean(), (header, payload, signature, latin1) => {
        const token = `${b64(header, latin1 ? 'latin1' : 'utf8')}.${b64(payload)}.${signature}`;
        expect(decodeUnverified(token)).toEqual(reference(token));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses what jws refuses: arbitrary strings, missing parts, bad characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_.=+/ -]{0,40}$/)), (token) => {
        expect(decodeUnverified(token)).toEqual(reference(token));
      }),
      { numRuns: 3000 },
    );
    const good = jwt.sign({ sub: 'a' }, 'x'.repeat(32), { keyid: 'ключ' });
    expect(decodeUnverified(good)).toEqual(reference(good));
    for (const bad of [good.replace('.', '..'), `${good}.x`, good.replace(/\.[^.]*$/, '.'), ` ${good}`, good.replace('e', '+')]) {
      expect(decodeUnverified(bad)).toEqual(reference(bad));
    }
  });
});
