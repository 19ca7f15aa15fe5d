import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../runtime/package-root.ts';
import { escapeXml as escapeHtml } from '../loadgen/svg.ts';
import { renderPage } from './page-shell.ts';

/** The docs link of a system whose page is docs/<name>.md, when there is one. */
export function docsLink(name: string): string | undefined {
  return existsSync(join(packageRoot(), 'docs', `${name}.md`)) ? `/docs/${name}.md` : undefined;
}

/**
 * The package's docs/*.md under /docs/, as their text in the page shell: the pages link to them, and a
 * GitHub-style relative link would not reach them from a browser on localhost. Only the files listed at start
 * are served; a name is never joined to a path.
 */
export function mountDocs(app: FastifyInstance): void {
  const dir = join(packageRoot(), 'docs');
  const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.md')).sort() : [];
  const index = renderPage({
    base: '',
    title: 'mensageiro · docs',
    here: 'docs',
    body: `<h1>Docs</h1>\n<ul>${files.map((file) => `<li><a href="/docs/${escapeHtml(file)}">${escapeHtml(file)}</a></li>`).join('')}</ul>`,
  });
  app.get('/docs/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(index));
  for (const file of files) {
    app.get(`/docs/${file}`, async (_request, reply) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const html = renderPage({ base: '', title: `mensageiro · docs/${file}`, here: `docs/${file}`, docs: '/docs/', body: `<pre class="doc">${escapeHtml(text)}</pre>` });
      return reply.type('text/html; charset=utf-8').send(html);
    });
  }
}
