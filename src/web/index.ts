/**
 * src/web: the dashboard, the JSON API and /metrics over a MonitorView. `pathmon run` calls
 * startWebServer(view, { listen, token }) and closes it on shutdown. This file is the public surface.
 */
export { startWebServer, type WebServer, type WebServerOptions } from './web-server.js';
export { DEFAULT_LISTEN, isLoopbackHost, parseListen } from './listen-address.js';
export { MIN_TOKEN_CHARS } from './bearer-token.js';
export { WebError, type WebErrorCode } from './web-error.js';
