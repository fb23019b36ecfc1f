/**
 * The dashboard's pages are served with `style-src 'self'; script-src 'self'` (respond.ts), so a browser
 * ignores any style or script written inline in a page: it must live in app.css or a module file. This
 * catches an inline block before it silently does nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/repo-root.js';

const staticDir = join(repoRoot, 'src', 'web', 'static');

test('no page carries an inline <style>, style attribute, inline <script> or event handler attribute', () => {
  const pages = readdirSync(staticDir).filter((name) => name.endsWith('.html'));
  assert.ok(pages.length >= 5, `pages found: ${pages.join(', ')}`);
  const problems: string[] = [];
  for (const page of pages) {
    const html = readFileSync(join(staticDir, page), 'utf8');
    if (/<style[\s>]/i.test(html)) problems.push(`${page}: <style> block`);
    if (/\sstyle\s*=/i.test(html)) problems.push(`${page}: style= attribute`);
    if (/\son[a-z]+\s*=/i.test(html)) problems.push(`${page}: on…= event handler attribute`);
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      if (!/\ssrc\s*=/.test(script[1]!) || script[2]!.trim() !== '') problems.push(`${page}: inline <script>`);
    }
  }
  assert.deepEqual(problems, [], 'the pages are served with style-src and script-src self: inline code is ignored by the browser');
});
