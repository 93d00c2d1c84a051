// A copyable Hono app on @hono/node-server: each token acts once.
//
//   npm install jwt-once hono @hono/node-server jsonwebtoken
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/hono.ts
//
// /magic-login: jwt-once verifies and claims the token.
// /transfer: hono/jwt verifies, jwt-once only claims (composition).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { jwt as honoJwt } from 'hono/jwt';
import jwt from 'jsonwebtoken';
import { jwtOnce } from 'jwt-once/hono';

const port = Number(process.env.PORT ?? 3002);
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/hono.ts');
  process.exit(1);
}

const app = new Hono();

app.post('/magic-login', jwtOnce({ scope: 'magic-login' }), (c) => c.json({ loggedIn: c.get('jwtPayload').sub }));

app.post(
  '/transfer',
  honoJwt({ secret, alg: 'HS256' }),
  // Only behind a verifier: jwt-once trusts the payload hono/jwt accepted.
  jwtOnce({ scope: 'transfer', verifiedPayload: (c) => c.get('jwtPayload') }),
  (c) => c.json({ transferred: true, by: c.get('jwtPayload').sub }),
);

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
  // Your identity provider or mailer issues real tokens; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Hono example listening on http://127.0.0.1:${port}

Try it (the first request answers 200, the same command again 401):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/magic-login
  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/transfer
`);
});
