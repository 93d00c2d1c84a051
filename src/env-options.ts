import type { Algorithm } from './jwt-types.js';
import { ConfigError } from './errors.js';
import type { ClaimOptions } from './options.js';

/**
 * Environment variables as jwt-once reads them: `process.env` fits, as does any
 * plain object (e.g. a Worker's `env` bindings). Written without Node's types.
 */
export type EnvVars = Readonly<Record<string, string | undefined>>;

/**
 * The configuration `jwtOnce()` reads when its options have no `secret` key
 * at all (a `secret` key whose value is empty is a `ConfigError` instead):
 *
 * | variable | option | default |
 * |---|---|---|
 * | `JWT_ONCE_SECRET` | `secret` | required |
 * | `JWT_ONCE_ALGORITHMS` | `algorithms` (comma list) | `HS256` |
 * | `JWT_ONCE_ISSUER` | `issuer` (comma list) | not checked |
 * | `JWT_ONCE_AUDIENCE` | `audience` (comma list) | not checked |
 * | `JWT_ONCE_STORE` | `store` (URL: `memory://`, `sqlite://path.db`, `redis://host:port`, `rediss://...`) | process-wide memory store |
 *
 * Options given in code win over the environment; the environment is never
 * read when the code names a `secret`, so `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`
 * and `JWT_ONCE_STORE` cannot mix into a configuration written in code.
 *
 * @example
 * // JWT_ONCE_SECRET=... node server.js
 * app.use(jwtOnce());
 */
export function optionsFromEnv(env: EnvVars = process.env): Pick<ClaimOptions, 'secret' | 'algorithms' | 'issuer' | 'audience' | 'store'> {
  const secret = env.JWT_ONCE_SECRET;
  if (secret === undefined || secret === '') {
    throw new ConfigError('no secret: pass { secret, algorithms } or set JWT_ONCE_SECRET (and JWT_ONCE_ALGORITHMS, default HS256)');
  }
  const list = (value: string | undefined): string[] | undefined => {
    const items = value
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return items !== undefined && items.length > 0 ? items : undefined;
  };
  const issuer = list(env.JWT_ONCE_ISSUER);
  const audience = list(env.JWT_ONCE_AUDIENCE);
  return {
    secret,
    algorithms: (list(env.JWT_ONCE_ALGORITHMS) ?? ['HS256']) as Algorithm[],
    ...(issuer !== undefined && { issuer: issuer.length === 1 ? issuer[0]! : issuer }),
    ...(audience !== undefined && { audience: audience.length === 1 ? audience[0]! : audience }),
    ...(env.JWT_ONCE_STORE !== undefined && env.JWT_ONCE_STORE.trim() !== '' && { store: env.JWT_ONCE_STORE.trim() }),
  };
}
