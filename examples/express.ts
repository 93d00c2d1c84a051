// A copyable Express app where each magic-link token logs in once.
//
//   npm install jwt-once express jsonwebtoken
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/express.ts
//
// jwtOnce() with no options reads JWT_ONCE_SECRET (and JWT_ONCE_ALGORITHMS,
// default HS256, JWT_ONCE_ISSUER, JWT_ONCE_AUDIENCE) and throws at start-up
// without a secret.
import express from 'express';
import jwt from 'jsonwebtoken';
import { jwtOnce, type JwtOnceRequest } from 'jwt-once/express';

const port = Number(process.env.PORT ?? 3000);
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/express.ts');
  process.exit(1);
}

const app = express();

app.post('/magic-login', jwtOnce({ scope: 'magic-login' }), (req, res) => {
  res.json({ loggedIn: (req as JwtOnceRequest).auth?.sub });
});

// releaseOnError: if the payment fails with a 5xx, the token may be presented again.
app.post('/pay', jwtOnce({ scope: 'pay', releaseOnError: true }), (req, res) => {
  res.json({ paid: true, by: (req as JwtOnceRequest).auth?.sub });
});

app.listen(port, '127.0.0.1', () => {
  // Your identity provider or mailer issues real tokens; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Express example listening on http://127.0.0.1:${port}

Try it (the first request answers 200, the same command again 401):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/magic-login
`);
});
