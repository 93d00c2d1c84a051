// A copyable Fastify app: each token acts once.
//
//   npm install jwt-once fastify @fastify/jwt jsonwebtoken
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/fastify.ts
//
// /magic-login: the route hook; jwt-once verifies and claims the token.
// /transfer: @fastify/jwt verifies, jwt-once only claims (composition).
// /pay: the plugin form, with releaseOnError: a failed payment (throw or 5xx)
//       gives the token back.
import fastifyJwt from '@fastify/jwt';
import Fastify, { type FastifyRequest } from 'fastify';
import jwt from 'jsonwebtoken';
import { jwtOnce, jwtOncePlugin, type JwtOnceRequest } from 'jwt-once/fastify';

const port = Number(process.env.PORT ?? 3003);
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/fastify.ts');
  process.exit(1);
}

const userOf = (request: FastifyRequest) => (request as JwtOnceRequest).user.sub;

async function main(secret: string): Promise<void> {
  const app = Fastify();
  app.post('/magic-login', { onRequest: jwtOnce({ scope: 'magic-login' }) }, async (request) => ({ loggedIn: userOf(request) }));

  // @fastify/jwt first: it declares `request.user`, and jwtOncePlugin then leaves it alone.
  await app.register(fastifyJwt, { secret });
  app.post(
    '/transfer',
    {
      onRequest: [
        async (request) => {
          await request.jwtVerify();
        },
        // Only behind a verifier: jwt-once trusts the payload @fastify/jwt accepted.
        jwtOnce({ scope: 'transfer', verifiedPayload: (request) => (request as JwtOnceRequest).user }),
      ],
    },
    async (request) => ({ transferred: true, by: userOf(request) }),
  );

  // The plugin: request decorations declared once, app.jwtOnce the hook, release hooks wired.
  await app.register(jwtOncePlugin, { scope: 'pay', releaseOnError: true });
  app.post('/pay', { onRequest: app.jwtOnce }, async (request) => ({ paid: true, by: userOf(request) }));

  await app.listen({ port, host: '127.0.0.1' });
  // Your identity provider or mailer issues real tokens; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Fastify example listening on http://127.0.0.1:${port}

Try it (the first request answers 200, the same command again 401):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/magic-login
  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/transfer
  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/pay
`);
}

main(secret).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
