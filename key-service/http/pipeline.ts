// What every request of the API goes through, composed once per route instead of per request.
//
// - Around the whole app (`serveWithStamp`): the request id, the headers every answer carries and
//   the request's latency. These need no Hono context, so they wrap `fetch` rather than being a
//   `use('*')` middleware: a route with a single handler then takes Hono's path without `compose`
//   (no per-request closures, no promise per layer).
// - Per route (`composeRoutes`): a route's own middleware (authentication) is folded into its
//   handler when the route validates nothing, and routes that take a body get the size and depth
//   guard in front of their validators.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { usableRequestId } from '../../platform/http/error-answer.js';
import type { ApiMetrics } from './metrics.js';
import { markRoute, SLOT, type RequestSlot } from '../../platform/http/request-slot.js';

// The app's env differs between the API and its tests' twins; these helpers read only its router.
// biome-ignore lint/suspicious/noExplicitAny: any env.
type AnyApiApp = OpenAPIHono<any>;

// Key material passes through /v1 answers: nothing may cache them.
const API_HEADERS = [
  ['Cache-Control', 'no-store'],
  ['X-Content-Type-Options', 'nosniff'],
] as const;

interface Environment {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

type Fetch = (request: Request, env?: unknown, executionContext?: never) => Response | Promise<Response>;

/**
 * Wraps `app.fetch`: stamps every answer (X-Request-Id; on /v1 also no-store and nosniff) and
 * times it. On the Node server the headers go straight onto the outgoing message, which Node
 * merges into the head it writes; in-process answers (tests) get them on the Response.
 */
export function serveWithStamp(app: AnyApiApp, metrics: ApiMetrics): void {
  const routed = app.fetch as Fetch;
  const fetch: Fetch = (request, env, executionContext) => {
    const started = performance.now();
    const environment = (env ?? {}) as Environment & { [SLOT]?: RequestSlot };
    // A test may pass a partial `incoming` (a socket only): Node's parsed headers only when there.
    const incoming = environment.incoming?.headers ? environment.incoming : undefined;
    const sent = incoming
      ? firstHeader(incoming.headers['x-request-id'])
      : (request.headers.get('x-request-id') ?? undefined);
    const slot: RequestSlot = { requestId: usableRequestId(sent) ? sent : newRequestId() };
    environment[SLOT] = slot;
    const api = isApiTarget(incoming?.url ?? request.url);
    const outgoing = environment.outgoing;
    if (outgoing) {
      outgoing.setHeader('X-Request-Id', slot.requestId);
      if (api) for (const [name, value] of API_HEADERS) outgoing.setHeader(name, value);
    }
    const finish = (response: Response): Response => {
      const stamped = outgoing ? response : stampResponse(response, slot.requestId, api);
      const route = slot.route ?? routeOf(app, request.method, incoming?.url ?? request.url);
      const status = String(stamped.status);
      metrics.requests.observe(
        { method: request.method, route, status },
        (performance.now() - started) / 1000,
        `${request.method} ${route} ${status}`,
      );
      return stamped;
    };
    const response = routed(request, environment, executionContext);
    return response instanceof Promise ? response.then(finish) : finish(response);
  };
  app.fetch = fetch as typeof app.fetch;
}

// Request ids only need to be unique: this process's random prefix and a counter, which costs a
// fraction of a random UUID per request and is as unique across instances.
const PROCESS_PREFIX = randomUUID().slice(0, 18);
let requestCounter = 0;
function newRequestId(): string {
  return PROCESS_PREFIX + (++requestCounter).toString(16).padStart(12, '0');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `/v1/…` as a request target (`/v1/usage?x`) or an absolute URL (`http://host/v1/usage`). */
function isApiTarget(target: string): boolean {
  if (target.startsWith('/')) return target.startsWith('/v1/');
  const path = target.indexOf('/', target.indexOf('//') + 2);
  return path !== -1 && target.startsWith('/v1/', path);
}

/** The route a request matched, for answers no API route named (web pages, webhooks, 404s). */
function routeOf(app: AnyApiApp, method: string, target: string): string {
  const path = target.startsWith('/')
    ? target
    : target.slice(Math.max(0, target.indexOf('/', target.indexOf('//') + 2)));
  const query = path.indexOf('?');
  const [matches] = app.router.match(method, query === -1 ? path : path.slice(0, query)) as unknown as [
    Array<[[unknown, { path: string; method: string }]]>,
  ];
  const handlers = matches.filter(([[, route]]) => route.method !== 'ALL');
  return handlers.at(-1)?.[0][1].path ?? 'unmatched';
}

function stampResponse(response: Response, requestId: string, api: boolean): Response {
  let stamped = response;
  try {
    stamped.headers.set('X-Request-Id', requestId);
  } catch {
    // An immutable Response (Response.redirect, a fetched one): copy it to stamp it.
    stamped = new Response(response.body, response);
    stamped.headers.set('X-Request-Id', requestId);
  }
  if (api) for (const [name, value] of API_HEADERS) stamped.headers.set(name, value);
  return stamped;
}

// biome-ignore lint/suspicious/noConfusingVoidType: Hono's own handler type returns void when it calls next.
type Handler = (c: Context, next: () => Promise<void>) => Response | Promise<Response | void> | void;

/**
 * Routes registered with `app.openapi` are composed once here. A route that validates nothing
 * (GET /v1/usage) becomes one function running its middleware and handler in turn, which Hono
 * calls without `compose`; others keep their middleware, with `guard` (the body size and depth
 * checks) first when they take a body.
 */
export function composeRoutes(app: AnyApiApp, guard: MiddlewareHandler): void {
  const openapi = app.openapi.bind(app) as (route: unknown, handler: Handler, hook?: unknown) => unknown;
  (app as { openapi: unknown }).openapi = (
    route: { method: string; request?: unknown; middleware?: MiddlewareHandler | readonly MiddlewareHandler[] },
    handler: Handler,
    hook?: unknown,
  ) => {
    const own =
      route.middleware === undefined
        ? []
        : Array.isArray(route.middleware)
          ? [...route.middleware]
          : [route.middleware as MiddlewareHandler];
    const takesBody = route.method !== 'get' && route.method !== 'head';
    const middleware = takesBody ? [guard, ...own] : own;
    const named: Handler = (c, next) => {
      markRoute(c);
      return handler(c, next);
    };
    if (route.request === undefined && middleware.length <= 1) {
      return openapi(
        { ...route, middleware: undefined },
        middleware.length === 0 ? named : folded(middleware[0]!, named),
        hook,
      );
    }
    return openapi({ ...route, middleware }, named, hook);
  };
}

const DONE = Promise.resolve();

/** `middleware` then `handler` as one handler; synchronous when the middleware is (a cached key). */
function folded(middleware: MiddlewareHandler, handler: Handler): Handler {
  return (c, next) => {
    let answer: ReturnType<Handler> | undefined;
    const ran = middleware(c, () => {
      answer = handler(c, next);
      return answer instanceof Promise ? answer.then(() => undefined) : DONE;
    });
    if (ran instanceof Promise) return ran.then((early) => (answer === undefined ? early : answer));
    return answer === undefined ? (ran as Response | undefined) : answer;
  };
}
