/**
 * The dashboard's HTTP server: node:http, no framework (a dozen GET routes, SSE and static files do not
 * need one, and every request path stays visible here). It binds 127.0.0.1 by default; binding anything
 * beyond loopback without a bearer token is refused at start. With a token, /api/ and /metrics require
 * `Authorization: Bearer TOKEN`; the pages themselves hold no data and load without it (the browser
 * asks for the token and sends it with each API call). Without a token, requests must name a local Host,
 * so a web page elsewhere cannot read the API through DNS rebinding.
 *
 * No request can crash the process: every handler's error becomes a JSON answer, and unknown methods,
 * oversized URLs and malformed percent-encoding get 4xx answers.
 *
 * /healthz and /readyz answer without a token, for service managers and load balancers (health.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { MonitorView } from '../monitor/monitor-view.js';
import type { DashboardView } from './dashboard-view.js';
import { createMetrics, type MetricsOptions } from '../metrics/index.js';
import { apiRoute, NotFound, type ApiContext } from './api-routes.js';
import { bearerMatcher, checkedToken } from './bearer-token.js';
import { EventStream } from './event-stream.js';
import { readiness } from './health.js';
import { DEFAULT_LISTEN, isLoopbackHost, parseListen, urlOf } from './listen-address.js';
import { LastHourSummaries } from './path-rows.js';
import { securityHeaders, sendError, sendJson } from './respond.js';
import { SparklineBuffer } from './sparkline-buffer.js';
import { loadStaticFiles } from './static-files.js';
import { ApiInputError, WebError } from './web-error.js';

export interface WebServerOptions {
  /** `HOST:PORT`, `[V6]:PORT` or `PORT`; default 127.0.0.1:9470. Port 0 picks a free port. */
  listen?: string;
  /** Bearer token for /api/ and /metrics; required when `listen` is not a loopback address. */
  token?: string | null;
  /** Epoch milliseconds; tests pass a fake clock. */
  clock?: () => number;
  /** Where server-side failures are reported (never with secrets). Default: stderr. */
  log?: (line: string) => void;
  /** The config's `metrics:` section (RTT bucket bounds, per-path histograms) and, in a fleet, its database for the per-agent series. */
  metrics?: Pick<MetricsOptions, 'rttBucketsMs' | 'pathHistograms' | 'fleet'>;
}

export interface WebServer {
  /** `http://HOST:PORT` as bound (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

const MAX_URL_CHARS = 4096;
const BACKFILL_POINTS = 30;
const LOCAL_HOST_HEADER = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;

export async function startWebServer(monitor: MonitorView, options: WebServerOptions = {}): Promise<WebServer> {
  // Every route sees the store's read methods only; /metrics (src/metrics) still takes the MonitorView.
  const view: DashboardView = monitor;
  const listen = parseListen(options.listen ?? DEFAULT_LISTEN);
  const token = options.token ? checkedToken(options.token) : null;
  const loopback = isLoopbackHost(listen.host);
  if (!loopback && !token) {
    throw new WebError(
      'token-required',
      `web.startWebServer: listen address ${options.listen} is beyond localhost, so the dashboard, API and /metrics would be open to the network; expected a bearer token (at least 16 characters) or a loopback address such as 127.0.0.1:${listen.port}`,
    );
  }
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const authorized = token ? bearerMatcher(token) : () => true;
  const files = loadStaticFiles();
  const events = new EventStream();
  const metrics = createMetrics(monitor, { clock, ...options.metrics });
  const spark = new SparklineBuffer();
  const context: ApiContext = { view, clock, spark, summaries: new LastHourSummaries(view, clock), startedAtMs: clock() };

  const unsubscribe = view.onUpdate((update) => {
    if (update.kind === 'round') {
      const ids = new Set(update.pathIds);
      for (const path of view.paths()) {
        if (ids.has(path.record.id) && path.lastRound) spark.add(path.record.id, path.lastRound.atMs, path.lastRound.rttMs?.p50 ?? null);
      }
    }
    if (update.kind === 'topology') spark.retain(new Set(view.paths().map((path) => path.record.id)));
    events.publish(update);
  });
  let closed = false;
  void backfillSparklines(view, spark, clock, () => closed).catch((error: Error) => log(`web.backfill: sparklines not seeded from the store: ${error.message}`));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_CHARS) return sendError(req, res, 414, 'uri-too-long', `web: the URL has ${rawUrl.length} characters; expected at most ${MAX_URL_CHARS}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(req, res, 405, 'method-not-allowed', `web: method ${String(req.method).slice(0, 20)} is not served; expected GET or HEAD`, undefined, { allow: 'GET, HEAD' });
    }
    if (!token && !LOCAL_HOST_HEADER.test(req.headers.host ?? '')) {
      return sendError(req, res, 403, 'host-not-local', `web: Host "${String(req.headers.host ?? '').slice(0, 80)}" is not local; without a token only localhost, 127.x.x.x and [::1] are served`);
    }
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://localhost');
    } catch {
      return sendError(req, res, 400, 'bad-url', 'web: the request URL cannot be parsed; expected a path such as /api/paths');
    }
    const pathname = url.pathname.replace(/\/+$/, '') || '/';
    // No token needed: the answers hold no path measurement (see health.ts), and probes rarely carry one.
    if (pathname === '/healthz') return sendJson(req, res, 200, { status: 'ok' });
    if (pathname === '/readyz') {
      const ready = readiness(view);
      return sendJson(req, res, ready.ready ? 200 : 503, ready);
    }
    const guarded = pathname === '/metrics' || pathname === '/api' || pathname.startsWith('/api/');
    if (guarded && !authorized(req.headers.authorization)) {
      return sendError(req, res, 401, 'unauthorized', 'web: this needs `Authorization: Bearer TOKEN` with the token pathmon was started with', undefined, {
        'www-authenticate': 'Bearer realm="pathmon"',
      });
    }
    if (pathname === '/metrics') {
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (pathname === '/api/events') {
      if (!events.attach(res)) return sendError(req, res, 503, 'too-many-clients', 'web: too many live-update clients; expected at most 64 at once');
      return;
    }
    if (guarded) {
      const route = apiRoute(pathname);
      if (!route) return sendError(req, res, 404, 'not-found', `web: no API endpoint ${pathname.slice(0, 100)}; expected one listed in the README (GET /api/paths, /api/topology, ...)`);
      return sendJson(req, res, 200, await route(context, url.searchParams));
    }
    const file = files.get(pathname);
    if (!file) return sendError(req, res, 404, 'not-found', `web: no page ${pathname.slice(0, 100)}; expected /, /path?id=ID, /topology, /incidents, /link?subject=KEY, /events or /agents`);
    res.writeHead(200, { ...securityHeaders, 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    handle(req, res)
      .catch((error: Error) => {
        if (error instanceof ApiInputError) return sendError(req, res, 400, 'bad-parameter', error.message, error.parameter);
        if (error instanceof NotFound) return sendError(req, res, 404, 'not-found', error.message);
        log(`web: ${req.method} ${(req.url ?? '').slice(0, 200)} failed: ${error.message}`);
        if (res.headersSent) return void res.destroy();
        return sendError(req, res, 500, 'internal', "web: the request failed inside pathmon; the reason is in pathmon's log");
      })
      .catch(() => res.destroy());
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new WebError('listen-failed', `web.startWebServer: cannot listen on ${listen.host}:${listen.port}: ${error.code ?? error.message}; expected a free port on a local address`)),
    );
    server.listen(listen.port, listen.host, () => resolve());
  }).catch((error) => {
    closed = true;
    unsubscribe();
    events.close();
    metrics.close();
    throw error;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;

  return {
    url: urlOf(listen.host, port),
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      events.close();
      metrics.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Seeds each path's sparkline from the last hour of stored rounds, one path at a time, in the background. */
async function backfillSparklines(view: DashboardView, spark: SparklineBuffer, clock: () => number, stopped: () => boolean): Promise<void> {
  for (const path of view.paths()) {
    if (stopped()) return;
    if (path.state === 'GONE' || spark.has(path.record.id)) continue;
    const nowMs = clock();
    const points = await view.store.history(path.record.id, nowMs - 3600_000, nowMs, BACKFILL_POINTS);
    if (!stopped()) spark.seed(path.record.id, points);
  }
}
