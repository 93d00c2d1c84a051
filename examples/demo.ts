// npm run demo: one token, presented twice, to a real Express app on the
// embedded memory store. The first use passes; the replay is refused.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import { jwtOnce, type JwtOnceRequest } from '../adapters/express.js';

const secret = 'demo-secret-do-not-use-in-production-0123456789';

const app = express();
app.post('/magic-login', jwtOnce({ secret, algorithms: ['HS256'] }), (req, res) => {
  res.json({ loggedIn: (req as JwtOnceRequest).auth?.sub });
});

const server = createServer(app).listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/magic-login`;
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Express app on ${url}, one magic-link token (15 min), presented twice:\n`);
  let ok = true;
  for (const [attempt, expected] of [['first use', 200], ['replay', 401]] as const) {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { loggedIn?: string; code?: string };
    const outcome = res.status === 200 ? `passed (logged in ${body.loggedIn})` : `refused (${body.code})`;
    console.log(`  ${attempt.padEnd(9)} -> ${res.status} ${outcome}`);
    ok &&= res.status === expected;
  }
  server.close();
  console.log(ok ? '\nThe token worked exactly once.' : '\nUNEXPECTED: the token did not work exactly once.');
  process.exitCode = ok ? 0 : 1;
});
