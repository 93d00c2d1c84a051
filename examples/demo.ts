// npm run demo: one token per framework, presented twice, to real Express,
// Koa and Hono apps on the embedded memory store. Each first use passes; each
// replay is refused. Exits 0 only if all three behaved.
//
//   npm install jwt-once express koa @koa/router hono @hono/node-server jsonwebtoken
//   npx tsx examples/demo.ts   (in this repository: npm run demo)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import Router from '@koa/router';
import express from 'express';
import { Hono } from 'hono';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import { jwtOnce as expressJwtOnce, type JwtOnceRequest } from 'jwt-once/express';
import { jwtOnce as honoJwtOnce } from 'jwt-once/hono';
import { jwtOnce as koaJwtOnce } from 'jwt-once/koa';

const secret = 'demo-secret-do-not-use-in-production-0123456789';
const options = { secret, algorithms: ['HS256'] } as const;

const expressApp = express();
expressApp.post('/magic-login', expressJwtOnce(options), (req, res) => {
  res.json({ loggedIn: (req as JwtOnceRequest).auth?.sub });
});

const koaRouter = new Router();
koaRouter.post('/magic-login', koaJwtOnce(options), (ctx) => {
  ctx.body = { loggedIn: ctx.state.user.sub };
});
const koaApp = new Koa().use(koaRouter.routes());

const honoApp = new Hono();
honoApp.post('/magic-login', honoJwtOnce(options), (c) => c.json({ loggedIn: c.get('jwtPayload').sub }));

const servers: Array<[string, Server]> = [
  ['Express', createServer(expressApp)],
  ['Koa', createServer(koaApp.callback())],
  ['Hono', createAdaptorServer({ fetch: honoApp.fetch }) as Server],
];

async function presentTwice(name: string, server: Server): Promise<boolean> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/magic-login`;
  const token = jwt.sign({ sub: `alice+${name.toLowerCase()}@example.com` }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`${name} app on ${url}, one magic-link token (15 min), presented twice:`);
  let ok = true;
  for (const [attempt, expected] of [
    ['first use', 200],
    ['replay', 401],
  ] as const) {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { loggedIn?: string; code?: string };
    const outcome = res.status === 200 ? `passed (logged in ${body.loggedIn})` : `refused (${body.code})`;
    console.log(`  ${attempt.padEnd(9)} -> ${res.status} ${outcome}`);
    ok &&= res.status === expected;
  }
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  console.log();
  return ok;
}

async function main(): Promise<boolean> {
  let allOk = true;
  for (const [name, server] of servers) allOk = (await presentTwice(name, server)) && allOk;
  console.log(allOk ? 'Each token worked exactly once, in every framework.' : 'UNEXPECTED: a token did not work exactly once.');
  return allOk;
}

main().then(
  (allOk) => {
    process.exitCode = allOk ? 0 : 1;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
