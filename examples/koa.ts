// A copyable Koa app with @koa/router route guards: each token acts once per route.
//
//   npm install jwt-once koa @koa/router jsonwebtoken
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/koa.ts
import Router from '@koa/router';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import { jwtOnce } from 'jwt-once/koa';

const port = Number(process.env.PORT ?? 3001);
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/koa.ts');
  process.exit(1);
}

const router = new Router();

// Route guards: the token is verified and claimed only on these routes.
router.post('/magic-login', jwtOnce({ scope: 'magic-login' }), (ctx) => {
  ctx.body = { loggedIn: ctx.state.user.sub };
});

// releaseOnError: a throw or a 5xx below gives the token back before the answer is sent.
router.post('/reset-password', jwtOnce({ scope: 'reset-password', releaseOnError: true }), (ctx) => {
  ctx.body = { reset: true, for: ctx.state.user.sub };
});

const app = new Koa();
app.use(router.routes()).use(router.allowedMethods());

app.listen(port, '127.0.0.1', () => {
  // Your identity provider or mailer issues real tokens; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Koa example listening on http://127.0.0.1:${port}

Try it (the first request answers 200, the same command again 401):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/magic-login
`);
});
