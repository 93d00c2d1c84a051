import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

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

/** Presents one token with each method in turn (bodies drained); the methods it passed (2xx) with, and every other status. */
export async function presentWithEachMethod(
  url: string,
  methods: readonly string[],
  token: string,
): Promise<{
  passed: string[];
  other: number[];
}> {
  const passed: string[] = [];
  const other: number[] = [];
  for (const method of methods) {
    const res = await withBearer(url, token, { method });
    await res.arrayBuffer();
    if (res.status >= 200 && res.status < 300) passed.push(method);
    else other.push(res.status);
  }
  return { passed, other };
}

/** The JSON body of a response, for asserting on. */
export async function bodyOf(res: globalThis.Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/**
 * Asserts the answer every adapter gives a replay: 401, the RFC 6750
 * challenge and the RFC 9457 problem body with ERR_JWT_ONCE_REUSED.
 */
export async function expectReusedAnswer(res: globalThis.Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="The token has already been used"');
  expect(await res.json()).toEqual({
    type: 'about:blank',
    title: 'Unauthorized',
    status: 401,
    detail: 'The token has already been used',
    code: 'ERR_JWT_ONCE_REUSED',
  });
}

/** A TCP port free on 127.0.0.1 right now (for a child process told to listen on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}
