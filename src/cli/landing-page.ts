import type { SystemEntry } from './systems.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function card(system: SystemEntry, mounted: boolean): string {
  const status = mounted
    ? `<a class="status live" href="/${escapeHtml(system.name)}/">open ${escapeHtml(system.name)} →</a>`
    : '<span class="status pending">not built yet</span>';
  return `<li class="card" data-system="${escapeHtml(system.name)}">
  <div class="seed">seed ${escapeHtml(system.seed)}</div>
  <h2>${escapeHtml(system.title)}</h2>
  <p>${escapeHtml(system.summary)}</p>
  ${status}
</li>`;
}

/** The page `mensageiro up` serves at /: every system, built or not. */
export function landingPage(systems: SystemEntry[], mounted: ReadonlySet<string>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mensageiro</title>
<style>
  :root { color-scheme: light dark; --accent: #0b7a5a; --muted: #6b7280; --card: #f6f7f9; }
  @media (prefers-color-scheme: dark) { :root { --card: #1d2127; --muted: #9aa3af; } }
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1040px; padding: 2.5rem 1.5rem; }
  header h1 { margin: 0; font-size: 2.2rem; letter-spacing: -0.02em; }
  header p { margin: .3rem 0 2rem; color: var(--muted); }
  ul.systems { list-style: none; padding: 0; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
  .card { background: var(--card); border-radius: 12px; padding: 1.2rem 1.3rem; display: flex; flex-direction: column; }
  .card h2 { font-size: 1.15rem; margin: .2rem 0 .4rem; }
  .card p { margin: 0 0 1rem; color: var(--muted); flex: 1; }
  .seed { font-size: .75rem; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
  .status { align-self: flex-start; font-size: .85rem; padding: .2rem .7rem; border-radius: 999px; }
  .pending { border: 1px dashed var(--muted); color: var(--muted); }
  .live { background: var(--accent); color: white; text-decoration: none; }
  footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
  footer a { color: var(--accent); }
</style>
</head>
<body>
<header>
  <h1>mensageiro</h1>
  <p>A TypeScript toolkit for message-driven backends, and five real systems built on it — running embedded, in this one process.</p>
</header>
<main>
<ul class="systems">
${systems.map((system) => card(system, mounted.has(system.name))).join('\n')}
</ul>
</main>
<footer><a href="/health">/health</a> · <a href="/metrics">/metrics</a></footer>
</body>
</html>`;
}
