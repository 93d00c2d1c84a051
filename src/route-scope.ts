import { ConfigError } from './errors.js';

/** The methods part of a label whose route answers every method (or any method: the adapter cannot tell which). */
export const ANY_METHOD = '*';

/**
 * The methods part of a scope label: the methods a route is registered for,
 * upper case, `HEAD` folded into `GET` (routers answer a HEAD with the GET
 * handler), deduplicated, sorted and joined with commas (`GET,POST`). `*`
 * where one of them is `*` or where they cover every method in `every` (the
 * framework's list: what `all()` registers), so an all-methods route has one
 * short label. A function of the route, never of the request: one token
 * passes once per route, not once per method.
 *
 * @example
 * methodsLabel(['post', 'HEAD', 'GET']); // 'GET,POST'
 */
export function methodsLabel(methods: Iterable<string>, every: Iterable<string> = []): string {
  const folded = new Set([...methods].map(foldMethod));
  if (folded.has(ANY_METHOD)) return ANY_METHOD;
  const all = new Set([...every].map(foldMethod));
  if (all.size > 0 && [...all].every((method) => folded.has(method))) return ANY_METHOD;
  return [...folded].sort().join(',');
}

/**
 * The scope label of a matched route: its methods (see {@link methodsLabel})
 * and its pattern, e.g. `POST /magic-login`, `GET,POST /x`, `* /any`.
 * Adapters build their `routeScope` on it.
 *
 * @example
 * routeLabel('HEAD', '/magic/:id'); // 'GET /magic/:id'
 * routeLabel(['get', 'post'], '/x'); // 'GET,POST /x'
 */
export function routeLabel(methods: string | Iterable<string>, pattern: string, every: Iterable<string> = []): string {
  return `${methodsLabel(typeof methods === 'string' ? [methods] : methods, every)} ${pattern}`;
}

/**
 * The methods of the handler that answers `method`, among the routes of one
 * pattern (each given by the methods it is registered for), for routers that
 * say which pattern matched but not which of its routes is running
 * (`@koa/router`): the union of the routes reachable from one answering
 * `method` through shared methods (`HEAD` as `GET`). Every route is in one
 * such group whatever method reached it, so its label does not change with
 * the method; routes with no method in common (`get('/x')`, `post('/x')`)
 * stay apart. `undefined` where no route answers `method`.
 *
 * @example
 * sharedMethods([['GET'], ['POST', 'PUT'], ['PUT', 'PATCH']], 'PATCH'); // ['PATCH', 'POST', 'PUT']
 */
export function sharedMethods(routes: Iterable<Iterable<string>>, method: string): string[] | undefined {
  const sets = [...routes].map((methods) => new Set([...methods].map(foldMethod)));
  const group = new Set([foldMethod(method)]);
  const members = new Set<Set<string>>();
  for (let grew = true; grew;) {
    grew = false;
    for (const set of sets) {
      if (members.has(set) || ![...set].some((m) => group.has(m))) continue;
      members.add(set);
      for (const m of set) group.add(m);
      grew = true;
    }
  }
  return members.size > 0 ? [...group].sort() : undefined;
}

function foldMethod(method: string): string {
  const upper = method.toUpperCase();
  return upper === 'HEAD' ? 'GET' : upper;
}

/**
 * A mount path as a client spelled it (Express's `req.baseUrl`: `/API`,
 * `/api/`, `/Api//`, and under a parameter mount `/:tenant` also `/%61cme`,
 * all reach a router mounted there), folded to one spelling: each segment
 * percent-decoded once (as Express decodes `req.params`; a segment that does
 * not decode is kept as sent), Unicode NFC, lower case, no repeated or
 * trailing slashes. One parameter value is one spelling. Folding two values
 * that differ only in case, or an encoded `/`, into one scope only makes a
 * token pass less often.
 *
 * @example
 * foldMountPath('/API//v1/'); // '/api/v1'
 * foldMountPath('/%61%43me'); // '/acme'
 */
export function foldMountPath(path: string): string {
  return path
    .split('/')
    .map(decodeSegment)
    .join('/')
    .normalize('NFC')
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
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
    'routeScope found no matched route: jwtOnce runs outside a route (app.use?). ' +
      `Put it on the route itself: ${usage}; or use a fixed scope label`,
  );
}
