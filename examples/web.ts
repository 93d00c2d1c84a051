// A plain `fetch` handler (Request -> Response): each token acts once. The
// handler is the same on every runtime; only the line that serves it differs.
//
//   npm install jwt-once @hono/node-server jsonwebtoken
//   Node:  JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/web.ts   (via @hono/node-server)
//   Bun:   Bun.serve({ port, hostname, fetch: handler })        (this file picks it when run by bun)
//   Deno:  Deno.serve({ port, hostname }, handler)             (this file picks it when run by deno)
//   Next.js route handler: `export const POST = withJwtOnce(...)` in app/.../route.ts
//
// /magic-login: withJwtOnce wraps the handler.
// /confirm: createWebGuard, for code that wants the claim or the ready refusal.
import { serve } from '@hono/node-server';
import jwt from 'jsonwebtoken';
import { createWebGuard, withJwtOnce } from 'jwt-once/web';

const port = Number(process.env.PORT ?? 3004);
const hostname = '127.0.0.1';
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/web.ts');
  process.exit(1);
}

// No secret in the options: read from JWT_ONCE_SECRET (and JWT_ONCE_ALGORITHMS, default HS256).
const magicLogin = withJwtOnce((_request, claim) => Response.json({ loggedIn: claim.payload.sub }), { scope: 'magic-login' });

const confirmGuard = createWebGuard({ scope: 'confirm', cookie: 'confirm_token' });
async function confirm(request: Request): Promise<Response> {
  const outcome = await confirmGuard(request);
  if (!outcome.ok) return outcome.response; // 401/400/503 with the RFC 6750 challenge and an RFC 9457 body
  return Response.json({ confirmed: true, by: outcome.claim.payload.sub });
}

/** The fetch handler: routes by path, 404 otherwise. */
async function handler(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === 'POST' && pathname === '/magic-login') return magicLogin(request);
  if (request.method === 'POST' && pathname === '/confirm') return confirm(request);
  return new Response('Not Found', { status: 404 });
}

function printHint(): void {
  // Your identity provider or mailer issues real tokens; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret!, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Web (fetch handler) example listening on http://${hostname}:${port}/magic-login

Try it (the first request answers 200, the same command again 401):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://${hostname}:${port}/magic-login
  curl -i -X POST -H "Authorization: Bearer ${token}" http://${hostname}:${port}/confirm
`);
}

type Runtimes = {
  Bun?: { serve(options: { port: number; hostname: string; fetch: typeof handler }): unknown };
  Deno?: { serve(options: { port: number; hostname: string; onListen?: () => void }, fetch: typeof handler): unknown };
};
const { Bun, Deno } = globalThis as Runtimes;
if (Bun !== undefined) {
  Bun.serve({ port, hostname, fetch: handler });
  printHint();
} else if (Deno !== undefined) {
  Deno.serve({ port, hostname, onListen: printHint }, handler);
} else {
  serve({ fetch: handler, port, hostname }, printHint);
}
