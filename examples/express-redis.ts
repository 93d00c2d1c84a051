// Several Express workers (Node cluster) sharing one Redis: a token used on
// one worker is refused on every other.
//
//   npm install jwt-once express jsonwebtoken @keyv/redis
//   redis-server &   # or any Redis 6.2+
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/express-redis.ts
//
// JWT_ONCE_STORE picks another Redis (redis://user:pass@host:6379/0, rediss://...);
// WORKERS sets how many workers (default 2). @keyv/redis is the optional peer the redis:// store loads.
import cluster from 'node:cluster';
import express from 'express';
import jwt from 'jsonwebtoken';
import { closeStores } from 'jwt-once';
import { jwtOnce, type JwtOnceRequest } from 'jwt-once/express';

const port = Number(process.env.PORT ?? 3005);
const workers = Number(process.env.WORKERS ?? 2);
const store = process.env.JWT_ONCE_STORE ?? 'redis://127.0.0.1:6379';
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/express-redis.ts');
  process.exit(1);
}

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening !== workers) return;
    // Your identity provider or mailer issues real tokens; this one is for trying it out.
    const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
    console.log(`Express example: ${workers} workers on http://127.0.0.1:${port}, claims in ${store.replace(/\/\/[^@/]*@/, '//***@')}

Try it (the first request answers 200, the same command again 401, whichever worker answers: see x-worker):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/magic-login
`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
} else {
  const app = express();
  app.use((_req, res, next) => {
    res.set('x-worker', String(cluster.worker?.id));
    next();
  });
  app.post('/magic-login', jwtOnce({ scope: 'magic-login', store }), (req, res) => {
    res.json({ loggedIn: (req as JwtOnceRequest).auth?.sub, worker: cluster.worker?.id });
  });
  const server = app.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void closeStores()));
}
