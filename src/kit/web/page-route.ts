import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type PageOptions, renderPage } from './page-shell.ts';

const PAGE_CLIENT = new URL('./page-client.browser.js', import.meta.url);

/**
 * Serves a page at the plugin's `/` and its browser script beside it, with the kit's page client that the
 * script imports as './page-client.browser.js', and the `modules` it imports from its own folder. The scripts
 * are plain JavaScript, type-checked by tsc (checkJs, tsconfig.browser.json) and copied to dist/ by the build, so
 * the file served is the file written, from source and from dist/ alike. Each is read once, here.
 */
export function mountPage(app: FastifyInstance, page: Omit<PageOptions, 'base' | 'script'> & { script?: URL; modules?: URL[] }): void {
  const scripts = page.script ? [PAGE_CLIENT, ...(page.modules ?? []), page.script] : [];
  const html = renderPage({ ...page, base: app.prefix, script: page.script && fileName(page.script) });
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  for (const file of scripts) {
    const text = readFileSync(file, 'utf8');
    app.get(`/${fileName(file)}`, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(text));
  }
}

function fileName(file: URL): string {
  return basename(fileURLToPath(file));
}
