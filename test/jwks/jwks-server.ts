import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';
import { listen } from '../helpers/http.js';
import { NOW_S } from '../helpers/tokens.js';

/** A signing key and its public JWK, as an identity provider publishes it. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

/** A fresh key pair published under `kid` (RS256 unless an EC curve is asked for). */
export function signingKey(kid: string, type: 'rsa' | 'ec' = 'rsa', extra: Record<string, unknown> = {}): SigningKey {
  const { privateKey, publicKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', ...extra } };
}

let counter = 0;

/** A token signed by `key` (its kid in the header unless `kid: null`), issued at NOW, valid 5 minutes, unique per call. */
export function tokenFrom(key: SigningKey, claims: Record<string, unknown> = {}, kid: string | null = key.kid): string {
  const algorithm = key.privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  return jwt.sign({ iat: NOW_S, exp: NOW_S + 300, n: ++counter, ...claims }, key.privateKey, {
    algorithm,
    ...(kid !== null && { keyid: kid }),
  });
}

/** How the server answers: the key set, nothing at all (hang), or an error status. */
export type Behaviour = 'serve' | 'hang' | 'error';

/**
 * A real JWKS endpoint on 127.0.0.1: serves `keys` at `/jwks.json` with
 * `headers`, counts every request, and can hang or fail on demand.
 */
export class JwksServer {
  keys: Record<string, unknown>[] = [];
  headers: Record<string, string> = {};
  behaviour: Behaviour = 'serve';
  /** Requests received (the hung ones included). */
  hits = 0;
  url = '';
  private stopper: (() => Promise<void>) | undefined;
  private readonly server = createServer((req: IncomingMessage, res: ServerResponse) => this.answer(req, res));

  static async start(keys: SigningKey[] = []): Promise<JwksServer> {
    const server = new JwksServer();
    server.publish(...keys);
    const { url, close } = await listen(server.server);
    server.url = `${url}/jwks.json`;
    server.stopper = close;
    return server;
  }

  /** Replaces the published set with these keys. */
  publish(...keys: SigningKey[]): void {
    this.keys = keys.map((k) => k.jwk);
  }

  private answer(_req: IncomingMessage, res: ServerResponse): void {
    this.hits++;
    if (this.behaviour === 'hang') return; // answered by stop() closing the socket
    if (this.behaviour === 'error') {
      res.writeHead(500).end('upstream trouble');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...this.headers }).end(JSON.stringify({ keys: this.keys }));
  }

  /** Stops listening and drops every connection (hung ones included): the server is then down. */
  async stop(): Promise<void> {
    const stop = this.stopper;
    this.stopper = undefined;
    await stop?.();
  }
}
