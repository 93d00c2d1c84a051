// Scanner-safe magic links with Express: the GET only looks (mail scanners and
// link previewers open links before people do), the POST its button sends
// claims the token, once.
//
//   npm install jwt-once express jsonwebtoken
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/magic-link.ts
//
// GET  /login?token=...  verifies and peeks: "Sign in" form, or "already used". Spends nothing.
// POST /login            claims the token atomically: 200 once, 401 for every replay.
import express from 'express';
import jwt from 'jsonwebtoken';
import { createClaimer, createTokenPeeker, JwtOnceError, type ClaimOptions } from 'jwt-once';

const port = Number(process.env.PORT ?? 3007);
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/magic-link.ts');
  process.exit(1);
}

// One options object for both: the peek verifies exactly as the claim will.
// Several processes? Use a shared store, e.g. store: 'sqlite://var/links.db' or 'redis://...'.
const options: ClaimOptions = { secret, algorithms: ['HS256'], scope: 'magic-link', maxTtl: 3600 };
const peek = createTokenPeeker(options);
const claim = createClaimer(options);

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

function refusal(err: unknown): { status: number; text: string } {
  if (!(err instanceof JwtOnceError)) throw err;
  if (err.code === 'ERR_JWT_ONCE_REUSED') return { status: 401, text: 'This link was already used. Ask for a new one.' };
  if (err.status === 503) return { status: 503, text: 'Please try again in a moment.' };
  return { status: 401, text: 'This link is invalid or has expired. Ask for a new one.' };
}

const app = express();
app.use(express.urlencoded({ extended: false, limit: '16kb' }));

app.get('/login', async (req, res) => {
  // The token is in the URL: keep it out of caches and Referer headers.
  res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  const token = typeof req.query.token === 'string' ? req.query.token : undefined;
  try {
    const { state, payload } = await peek(token);
    if (state === 'used') {
      res.status(410).send(page('Link already used', '<p>This link was already used. Ask for a new one.</p>'));
      return;
    }
    // 'unused', or 'unknown' with a store that cannot tell: the POST decides either way.
    const form =
      `<form method="post" action="/login"><input type="hidden" name="token" value="${escape(token!)}">` +
      `<button type="submit">Sign in as ${escape(String(payload.sub))}</button></form>`;
    res.send(page('Sign in', form));
  } catch (err) {
    const { status, text } = refusal(err);
    res.status(status).send(page('Cannot sign in', `<p>${text}</p>`));
  }
});

app.post('/login', async (req, res) => {
  res.set('cache-control', 'no-store');
  const token = typeof req.body?.token === 'string' ? (req.body.token as string) : undefined;
  try {
    const { payload } = await claim(token);
    // A real app starts its session here (e.g. sets a cookie) and redirects.
    res.send(page('Signed in', `<p>Welcome, ${escape(String(payload.sub))}.</p>`));
  } catch (err) {
    const { status, text } = refusal(err);
    res.status(status).send(page('Cannot sign in', `<p>${text}</p>`));
  }
});

app.listen(port, '127.0.0.1', () => {
  // Your mailer issues real links; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Magic-link example listening on http://127.0.0.1:${port}

Open the link (as often as you like: it is not spent), then press "Sign in":

  http://127.0.0.1:${port}/login?token=${token}

or with curl (the first POST answers 200, the same command again 401):

  curl -i -X POST --data-urlencode "token=${token}" http://127.0.0.1:${port}/login
`);
});
