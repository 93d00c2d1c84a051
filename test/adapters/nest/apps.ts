// Real Nest applications for the jwt-once/nest tests: one module, a few controllers, on Express or Fastify, over HTTP on 127.0.0.1.
import {
  Controller,
  HttpCode,
  Get,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
  type DynamicModule,
  type INestApplication,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JwtOnceGuard, Once, SkipOnce, type JwtOnceRequest } from '../../../adapters/nest/index.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** What a guarded handler answers: the subject of the verified payload and the replay key. */
const answer = (req: JwtOnceRequest) => ({
  sub: (req.jwtOnce.payload as { sub?: string }).sub ?? null,
  user: (req.user as { sub?: string } | undefined)?.sub ?? null,
  key: req.jwtOnce.key,
});

/** Routes guarded per route with @UseGuards(JwtOnceGuard). */
@Controller()
class RouteGuardedController {
  @Post('once')
  @HttpCode(200)
  @UseGuards(JwtOnceGuard)
  once(@Req() req: JwtOnceRequest) {
    return answer(req);
  }

  @Post('scope-a')
  @HttpCode(200)
  @UseGuards(JwtOnceGuard)
  @Once({ scope: 'a' })
  scopeA(@Req() req: JwtOnceRequest) {
    return answer(req);
  }

  @Post('scope-b')
  @HttpCode(200)
  @UseGuards(JwtOnceGuard)
  @Once({ scope: 'b' })
  scopeB(@Req() req: JwtOnceRequest) {
    return answer(req);
  }

  @Post('fails')
  @HttpCode(200)
  @UseGuards(JwtOnceGuard)
  fails(): never {
    throw new Error('the payment provider is down');
  }

  @Get('open')
  open() {
    return { open: true };
  }
}

/** Routes under a global JwtOnceGuard (APP_GUARD). */
@Controller('global')
class GloballyGuardedController {
  @Post('once')
  @HttpCode(200)
  once(@Req() req: JwtOnceRequest) {
    return answer(req);
  }

  @Post('health')
  @HttpCode(200)
  @SkipOnce()
  health() {
    return { healthy: true };
  }

  /** Global and per-route at once: one claim per request, not two. */
  @Post('twice')
  @HttpCode(200)
  @UseGuards(JwtOnceGuard)
  twice(@Req() req: JwtOnceRequest) {
    return answer(req);
  }
}

/** Routes where passport-jwt verifies first and jwt-once only claims. */
@Controller('passport')
class PassportController {
  @Post('once')
  @HttpCode(200)
  @UseGuards(AuthGuard('jwt'), JwtOnceGuard)
  once(@Req() req: JwtOnceRequest) {
    return answer(req);
  }
}

/** passport-jwt's strategy; `validate` returns the verified payload unchanged, as jwt-once's `verifiedPayload` needs. */
function jwtStrategy(): Provider {
  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy) {
    constructor(@Inject('JWT_SECRET') secretOrKey: string) {
      super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey, algorithms: ['HS256'] });
    }
    validate(payload: Record<string, unknown>) {
      return payload;
    }
  }
  return JwtStrategy;
}

export interface AppSpec {
  /** The module, e.g. JwtOnceModule.forRoot({...}). */
  jwtOnce: DynamicModule;
  /** Register JwtOnceGuard as APP_GUARD too. @default false */
  global?: boolean;
  /** Add passport-jwt with this secret and its controller. @default none */
  passportSecret?: string;
}

export interface RunningApp {
  app: INestApplication;
  url: string;
  close: () => Promise<void>;
}

/** Creates the Nest application on `platform`, listening on 127.0.0.1:0. Nest's logger is off; errors reject. */
export async function startNest(platform: Platform, spec: AppSpec): Promise<RunningApp> {
  const controllers: Array<new (...args: never[]) => unknown> = [RouteGuardedController];
  const providers: Provider[] = [];
  const imports: Array<DynamicModule | (new () => unknown)> = [spec.jwtOnce];
  if (spec.global === true) {
    controllers.push(GloballyGuardedController);
    providers.push({ provide: APP_GUARD, useClass: JwtOnceGuard });
  }
  if (spec.passportSecret !== undefined) {
    controllers.push(PassportController);
    imports.push(PassportModule);
    providers.push({ provide: 'JWT_SECRET', useValue: spec.passportSecret }, jwtStrategy());
  }
  @Module({ imports, controllers, providers })
  class AppModule {}

  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let closed: Promise<void> | undefined;
  return { app, url, close: () => (closed ??= app.close()) };
}
