import type { FastifyInstance } from 'fastify';
import type { SystemHealth, SystemModule } from '../kit/platform.ts';
import { docsLink } from '../kit/web/docs-route.ts';
import { mountPage } from '../kit/web/page-route.ts';
import { escapeXml as escapeHtml } from '../kit/loadgen/svg.ts';
import type { SystemEntry } from './systems.ts';

/** A system that does not answer its health within this long shows as not answering. */
const HEALTH_TIMEOUT_MS = 2_000;

const STYLES = `
header.intro h1 { font-size: 2rem; letter-spacing: -0.02em; margin: 0; }
header.intro p { margin: .3rem 0 1.6rem; color: var(--muted); }
ul.systems { list-style: none; padding: 0; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(300px, 100%), 1fr)); }
.card { background: var(--panel); border-radius: 12px; padding: 1.1rem 1.2rem; display: flex; flex-direction: column; gap: .4rem; }
.card h2 { font-size: 1.15rem; margin: 0; }
.card p { margin: 0; color: var(--muted); flex: 1; }
.origin { font-size: .75rem; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
.health { font-size: .85rem; font-weight: 600; }
.health::before { content: '● '; }
.health[data-health="up"] { color: var(--ok); } .health[data-health="degraded"] { color: var(--warn); }
.health[data-health="unreachable"], .health[data-health="down"] { color: var(--bad); }
.figure { font-size: .85rem; color: var(--fg); font-variant-numeric: tabular-nums; }
.links { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; margin-top: .3rem; }
.status { font-size: .85rem; padding: .2rem .7rem; border-radius: 999px; }
.pending { border: 1px dashed var(--muted); color: var(--muted); }
.live { background: var(--brand); color: var(--bg); text-decoration: none; }
footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
`;

function card(system: SystemEntry, mounted: boolean): string {
  const name = escapeHtml(system.name);
  const docs = docsLink(system.name);
  const live = mounted
    ? `<span class="health" data-health="unknown">checking…</span>
  <span class="figure"></span>
  <div class="links"><a class="status live" href="/${name}/">open ${name} →</a>${docs ? `<a href="${docs}">docs</a>` : ''}</div>`
    : '<div class="links"><span class="status pending">not built yet</span></div>';
  return `<li class="card" data-system="${name}">
  <div class="origin">${escapeHtml(system.origin)}</div>
  <h2>${escapeHtml(system.title)}</h2>
  <p>${escapeHtml(system.summary)}</p>
  ${live}
</li>`;
}

const FOOTER = `
<footer>docs: <a href="/docs/architecture.md">architecture</a> · <a href="/docs/benchmarks.md">benchmarks</a> · <a href="/docs/">all</a>
  · <a href="/health">/health</a> · <a href="/metrics">/metrics</a></footer>`;

/** Each mounted system's health, each asked at once and given HEALTH_TIMEOUT_MS. */
async function healthOf(modules: readonly SystemModule[]): Promise<Record<string, SystemHealth>> {
  const answers = await Promise.all(
    modules.map(async (module): Promise<[string, SystemHealth]> => {
      if (!module.health) return [module.name, { healthy: true, summary: '' }];
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<SystemHealth>((resolve) => {
        timer = setTimeout(() => resolve({ healthy: false, summary: `no answer within ${HEALTH_TIMEOUT_MS / 1000} s` }), HEALTH_TIMEOUT_MS);
      });
      try {
        return [module.name, await Promise.race([module.health(), late])];
      } catch (err) {
        return [module.name, { healthy: false, summary: (err as Error).message }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(answers);
}

/** The page `mensageiro up` serves at /: every system, built or not, each built one with its live health; and GET /systems for it. */
export function mountLanding(app: FastifyInstance, systems: SystemEntry[], mounted: readonly SystemModule[]): void {
  const names = new Set(mounted.map((module) => module.name));
  mountPage(app, {
    title: 'mensageiro',
    styles: STYLES,
    body: `<header class="intro">
  <h1>mensageiro</h1>
  <p>A TypeScript toolkit for message-driven backends, and five real systems built on it — running embedded, in this one process.</p>
</header>
<ul class="systems">
${systems.map((system) => card(system, names.has(system.name))).join('\n')}
</ul>`,
    footer: FOOTER,
    script: new URL('./landing-page.browser.js', import.meta.url),
  });
  app.get('/systems', async () => healthOf(mounted));
}
