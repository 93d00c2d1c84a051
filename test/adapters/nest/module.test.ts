// JwtOnceModule's two forms and its ConfigErrors: wrong options fail at module creation, with what to fix.
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { JwtOnceModule, Once } from '../../../adapters/nest/index.js';
import { ConfigError, MemoryStore } from '../../../src/index.js';
import { expectReusedAnswer, withBearer } from '../../helpers/http.js';
import { failOnUnhandledRejections } from '../../helpers/outcome.js';
import { HS_SECRET, hsToken, NOW } from '../../helpers/tokens.js';
import { PLATFORMS, startNest, type RunningApp } from './apps.js';

failOnUnhandledRejections();

/** The ConfigError `create` throws, for asserting on its message. */
function configError(create: () => unknown): ConfigError {
  try {
    create();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('no ConfigError was thrown');
}

/** A module exporting a settings provider, as a ConfigModule would. */
@Module({ providers: [{ provide: 'SETTINGS', useValue: { linkSecret: HS_SECRET } }], exports: ['SETTINGS'] })
class SettingsModule {}

describe('JwtOnceModule.forRoot: options checked when it is called', () => {
  it('refuses an unknown option name, suggesting the known one', () => {
    expect(configError(() => JwtOnceModule.forRoot({ secret: HS_SECRET, algorithms: ['HS256'], scop: 'x' } as never)).message).toMatch(
      /scop.*scope/,
    );
  });

  it('refuses a secret key whose value is empty (an unset variable), and verifier options behind a verifier', () => {
    expect(configError(() => JwtOnceModule.forRoot({ secret: undefined as never, algorithms: ['HS256'] })).message).toMatch(
      /secret is empty/,
    );
    expect(
      configError(() =>
        JwtOnceModule.forRoot({
          verifiedPayload: (req: { user?: unknown }) => req.user,
          secret: HS_SECRET,
          algorithms: ['HS256'],
        } as never),
      ).message,
    ).toMatch(/`secret` is not used/);
  });

  it('refuses a scope that is neither a string nor a function, and options that are not an object', () => {
    expect(configError(() => JwtOnceModule.forRoot({ secret: HS_SECRET, algorithms: ['HS256'], scope: 5 as never })).message).toMatch(
      /`scope` must be a string or a function/,
    );
    expect(configError(() => JwtOnceModule.forRoot(null as never)).message).toMatch(/must be an object/);
  });

  it('reads JWT_ONCE_SECRET when there is no secret key, and says so when it is not set', () => {
    const saved = process.env.JWT_ONCE_SECRET;
    delete process.env.JWT_ONCE_SECRET;
    try {
      expect(configError(() => JwtOnceModule.forRoot()).message).toMatch(/JWT_ONCE_SECRET/);
    } finally {
      if (saved !== undefined) process.env.JWT_ONCE_SECRET = saved;
    }
  });
});

describe('@Once(): checked when the class is declared', () => {
  it('refuses a scope of the wrong type and an unknown option', () => {
    expect(configError(() => Once({ scope: 5 as never })).message).toMatch(/must be a string or a function/);
    expect(configError(() => Once({ scop: 'x' } as never)).message).toMatch(/only `scope`, got `scop`/);
  });
});

describe('JwtOnceModule.forRootAsync', () => {
  it('refuses options without a useFactory', () => {
    expect(configError(() => JwtOnceModule.forRootAsync({} as never)).message).toMatch(/useFactory/);
  });

  it('fails the application’s creation with the ConfigError of what the factory returned', async () => {
    @Module({
      imports: [
        JwtOnceModule.forRootAsync({ useFactory: () => ({ secret: HS_SECRET, algorithms: ['HS256'], sotre: 'memory://' }) as never }),
      ],
    })
    class BadModule {}
    const created = NestFactory.create(BadModule, new ExpressAdapter(), { logger: false, abortOnError: false });
    await expect(created).rejects.toBeInstanceOf(ConfigError);
    await expect(created).rejects.toThrow(/sotre.*store/);
  });

  describe.each(PLATFORMS)('on Nest %s', (platform) => {
    let running: RunningApp | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    it('builds the options from injected providers of imported modules: once, then 401', async () => {
      const jwtOnce: DynamicModule = JwtOnceModule.forRootAsync({
        imports: [SettingsModule],
        inject: ['SETTINGS'],
        useFactory: async (settings: { linkSecret: string }) => ({
          secret: settings.linkSecret,
          algorithms: ['HS256'],
          store: new MemoryStore(),
          now: () => NOW,
        }),
      });
      running = await startNest(platform, { jwtOnce });
      const token = hsToken({ sub: 'erin' });
      const first = await withBearer(`${running.url}/once`, token);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ sub: 'erin' });
      await expectReusedAnswer(await withBearer(`${running.url}/once`, token));
    });
  });
});
