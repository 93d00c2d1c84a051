import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `listen` on a free loopback port; returns the base URL and a stopper. */
export async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** `fetch` with a bearer token. */
export function withBearer(url: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return fetch(url, { method: 'POST', ...init, headers });
}

/** The JSON body of a response, for asserting on. */
export async function bodyOf(res: globalThis.Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}
