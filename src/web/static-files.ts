/**
 * The dashboard's pages: plain HTML, CSS and browser JavaScript modules in src/web/static, read once at
 * start and served from memory. No build step and no framework: a few small pages (paths, path, topology,
 * incidents, link) that only call the JSON API. The folder is found next to this module (a copied build) or in the source tree beside dist/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  type: string;
  body: Buffer;
}

export function staticDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'static'), join(here, '..', '..', '..', 'src', 'web', 'static')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  throw new Error(`web.staticDirectory: no static/index.html next to ${here} or in the source tree; expected src/web/static to be present`);
}

/** URL path (`/`, `/path`, `/app.css`) to file, for every file in the folder. */
export function loadStaticFiles(directory = staticDirectory()): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const file = { type, body: readFileSync(join(directory, name)) };
    files.set(`/${name}`, file);
    if (name.endsWith('.html')) files.set(name === 'index.html' ? '/' : `/${name.slice(0, -5)}`, file);
  }
  return files;
}
