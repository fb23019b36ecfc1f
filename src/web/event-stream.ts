/**
 * Server-sent events for live pages (`GET /api/events`). SSE rather than WebSockets: one direction is
 * all the pages need, it is plain HTTP (works through the bearer-token check and proxies), and the
 * browser side is a few lines. Round updates are sent without their path ids (10,000 ids per round to
 * every page would be wasteful): a page re-reads the API, throttled. Transitions carry everything a row
 * needs to change colour at once; incident changes carry the incident id and the change, so the map and
 * the incidents page re-read at once. Clients are bounded, and a client that stops reading is dropped
 * rather than buffered without limit.
 */
import type { ServerResponse } from 'node:http';
import type { MonitorUpdate } from '../monitor/monitor-view.js';

export const MAX_EVENT_CLIENTS = 64;
const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED_BYTES = 1 << 20;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor() {
    this.heartbeat = setInterval(() => this.broadcast(': ping\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Takes over the response; false when the client limit is reached (the caller answers 503). */
  attach(res: ServerResponse): boolean {
    if (this.clients.size >= MAX_EVENT_CLIENTS) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    res.write('retry: 3000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    return true;
  }

  publish(update: MonitorUpdate): void {
    if (this.clients.size === 0) return;
    const data = update.kind === 'round' ? { atMs: update.atMs, paths: update.pathIds.length } : update.kind === 'transition' || update.kind === 'incident' ? update : { atMs: update.atMs };
    this.broadcast(`event: ${update.kind}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(text);
    }
  }
}
