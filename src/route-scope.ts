import { ConfigError } from './errors.js';

/**
 * The scope label of a matched route: the method and the route pattern, e.g.
 * `POST /magic-login`. `HEAD` is labelled `GET`, since routers answer a HEAD
 * with the GET route's handler: one token must not pass once per method.
 * Adapters build their `routeScope` on it.
 *
 * @example
 * routeLabel('HEAD', '/magic/:id'); // 'GET /magic/:id'
 */
export function routeLabel(method: string, pattern: string): string {
  const upper = method.toUpperCase();
  return `${upper === 'HEAD' ? 'GET' : upper} ${pattern}`;
}

/**
 * A mount path as a client spelled it (Express's `req.baseUrl`: `/API`,
 * `/api/`, `/Api//` all reach a router mounted at `/api`), folded to one
 * spelling: lower case, no repeated or trailing slashes. Folding two
 * case-sensitive mounts into one scope only makes a token pass less often.
 *
 * @example
 * foldMountPath('/API//v1/'); // '/api/v1'
 */
export function foldMountPath(path: string): string {
  return path.toLowerCase().replace(/\/{2,}/g, '/').replace(/\/+$/, '');
}

/**
 * The {@link ConfigError} a `routeScope` throws where no route was matched
 * (the middleware runs in `app.use()`, before routing): a configuration
 * fault, answered 500 by the framework's error handling, never a pass.
 *
 * @example
 * throw noRouteMatched("app.post('/path', jwtOnce({ scope: routeScope }), handler)");
 */
export function noRouteMatched(usage: string): ConfigError {
  return new ConfigError(
    `routeScope found no matched route: jwtOnce runs outside a route (app.use?). Put it on the route itself: ${usage}; or use a fixed scope label`,
  );
}
