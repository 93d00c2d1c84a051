// Keys given as a plain Uint8Array (what a Web or Workers project has: TextEncoder, fetch().arrayBuffer()),
// not a Node Buffer: `KeyInput` names Uint8Array so its types need no @types/node, and the runtime takes it as a Buffer.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError, createClaimer, InvalidTokenError, MemoryStore, type Algorithm, type KeyInput } from '../../src/index.js';
import { failOnUnhandledRejections } from '../helpers/outcome.js';
import { NOW, NOW_S, rsaKeys } from '../helpers/tokens.js';

failOnUnhandledRejections();

/** 64 bytes: long enough for every HS* algorithm. */
const SECRET = 'byte-keys-test-secret-0123456789abcdef0123456789abcdef0123456789a';
const rsa = rsaKeys();
const plain = (text: string): Uint8Array => new TextEncoder().encode(text);

function sign(key: string, algorithm: Algorithm): string {
  return jwt.sign({ sub: 'bytes', jti: randomUUID(), iat: NOW_S, exp: NOW_S + 300 }, key, { algorithm });
}

function claimer(secret: KeyInput | (() => KeyInput), algorithm: Algorithm) {
  return createClaimer({ secret, algorithms: [algorithm], store: new MemoryStore(), now: () => NOW });
}

describe('a key given as a plain Uint8Array (not a Buffer)', () => {
  it('is not a Buffer in this test', () => {
    expect(Buffer.isBuffer(plain(SECRET))).toBe(false);
  });

  it('verifies HS256 as the same secret in a string does: first presentation passes, the replay is refused', async () => {
    const claim = claimer(plain(SECRET), 'HS256');
    const token = sign(SECRET, 'HS256');
    await expect(claim(token)).resolves.toMatchObject({ payload: { sub: 'bytes' } });
    await expect(claim(token)).rejects.toMatchObject({ code: 'ERR_JWT_ONCE_REUSED' });
  });

  it('reads only its own bytes when it is a view into a larger buffer (byteOffset)', async () => {
    const backing = new Uint8Array(200).fill(0x41);
    const bytes = plain(SECRET);
    const view = backing.subarray(7, 7 + bytes.length);
    view.set(bytes);
    const token = sign(SECRET, 'HS512');
    await expect(claimer(view, 'HS512')(token)).resolves.toMatchObject({ payload: { sub: 'bytes' } });
  });

  it('verifies RS256 with a PEM public key given as bytes', async () => {
    const token = jwt.sign({ sub: 'bytes', jti: randomUUID(), iat: NOW_S, exp: NOW_S + 300 }, rsa.privateKey, { algorithm: 'RS256' });
    await expect(claimer(plain(rsa.publicPem), 'RS256')(token)).resolves.toMatchObject({ payload: { sub: 'bytes' } });
  });

  it('from a resolver, verifies HS256', async () => {
    const token = sign(SECRET, 'HS256');
    await expect(claimer(() => plain(SECRET), 'HS256')(token)).resolves.toMatchObject({ payload: { sub: 'bytes' } });
  });

  it('is refused as an HMAC secret when it holds a PEM public key, as a Buffer is', () => {
    expect(() => claimer(plain(`\n${rsa.publicPem}`), 'HS256')).toThrow(ConfigError);
    expect(() => claimer(plain(`\n${rsa.publicPem}`), 'HS256')).toThrow(/PEM|public key/i);
  });

  it('is refused when empty, and when too short for HS256', () => {
    expect(() => claimer(new Uint8Array(0), 'HS256')).toThrow('`secret` is empty');
    expect(() => claimer(plain('short'), 'HS256')).toThrow(ConfigError);
  });

  it('from a resolver, a wrong key is a 401 for that token, not a crash', async () => {
    const token = sign(SECRET, 'HS256');
    await expect(claimer(() => plain(`${SECRET}-other`), 'HS256')(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
