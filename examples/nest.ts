// A copyable NestJS app: each token acts once, under a global guard.
//
//   npm install jwt-once @nestjs/common @nestjs/core @nestjs/platform-express reflect-metadata rxjs jsonwebtoken
//   JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/nest.ts
//
// Nest's decorators need "experimentalDecorators": true in tsconfig.json (as
// `nest new` sets it); jwt-once/nest itself needs no emitDecoratorMetadata.
// JwtOnceModule.forRoot() with no options reads JWT_ONCE_SECRET (and
// JWT_ONCE_ALGORITHMS, default HS256, JWT_ONCE_ISSUER, JWT_ONCE_AUDIENCE,
// JWT_ONCE_STORE) and throws a ConfigError at start-up without a secret.
// Behind passport-jwt: JwtOnceModule.forRoot({ verifiedPayload: (req) => req.user })
// and @UseGuards(AuthGuard('jwt'), JwtOnceGuard) (docs/adapters/nest.md).
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post, Req } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { JwtOnceGuard, JwtOnceModule, Once, SkipOnce, type JwtOnceRequest } from 'jwt-once/nest';

const port = Number(process.env.PORT ?? 3008);
const secret = process.env.JWT_ONCE_SECRET;
if (!secret) {
  console.error('Set JWT_ONCE_SECRET, e.g. JWT_ONCE_SECRET=$(openssl rand -hex 32) npx tsx examples/nest.ts');
  process.exit(1);
}

@Controller()
class AppController {
  // A token logs in once; the same token on /pay is another scope.
  @Post('magic-login')
  @HttpCode(200)
  @Once({ scope: 'magic-login' })
  login(@Req() req: JwtOnceRequest) {
    return { loggedIn: req.jwtOnce.payload.sub };
  }

  @Post('pay')
  @HttpCode(200)
  @Once({ scope: 'pay' })
  pay(@Req() req: JwtOnceRequest) {
    return { paid: true, by: req.jwtOnce.payload.sub };
  }

  // Under the global guard, a route without tokens says so.
  @Get('health')
  @SkipOnce()
  health() {
    return { ok: true };
  }
}

@Module({
  imports: [JwtOnceModule.forRoot()],
  controllers: [AppController],
  // Every route of the app is guarded; @UseGuards(JwtOnceGuard) on a route or controller instead guards only there.
  providers: [{ provide: APP_GUARD, useClass: JwtOnceGuard }],
})
class AppModule {}

async function main(secret: string): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks(); // SIGTERM: Nest closes the server, then JwtOnceModule closes the store
  await app.listen(port, '127.0.0.1');
  // Your identity provider or mailer issues real tokens; this one is for trying it out.
  const token = jwt.sign({ sub: 'alice@example.com' }, secret, { algorithm: 'HS256', expiresIn: '15m' });
  console.log(`Nest example listening on http://127.0.0.1:${port}

Try it (the first request answers 200, the same command again 401):

  curl -i -X POST -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/magic-login
`);
}

main(secret).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
