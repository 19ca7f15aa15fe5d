import { escapeXml as escapeHtml } from '../loadgen/svg.ts';

/** Two arrows passing a message, as an SVG favicon in the page itself: no request, no file to ship. */
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b7a5a"/><path d="M7 12h14l-4-4M25 20H11l4 4" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>',
)}`;

/** Colours as variables, light and dark, and what every page has: the header, tables, forms, buttons, notices. */
const SHELL_CSS = `
:root { color-scheme: light dark; --fg: #1d2230; --bg: #ffffff; --muted: #5f6675; --line: #e1e4eb; --panel: #f5f6f8; --accent: #2450d8;
  --brand: #0b7a5a; --ok: #15803d; --bad: #b91c1c; --warn: #a16207; --star: #b7791f; --input: #ffffff; --on-accent: #ffffff; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8ee; --bg: #111419; --muted: #9aa3af; --line: #2f3540; --panel: #1b1f26; --accent: #6b8cff; --brand: #34c79a;
    --ok: #4ade80; --bad: #f87171; --warn: #facc15; --star: #f6c453; --input: #0c0e12; --on-accent: #0c0e12; }
}
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 64rem; padding: 0 1rem 2rem; color: var(--fg); background: var(--bg);
  overflow-wrap: anywhere; }
header.shell { display: flex; align-items: baseline; flex-wrap: wrap; gap: .3rem .9rem; padding: .8rem 0; border-bottom: 1px solid var(--line); margin-bottom: 1.2rem; }
header.shell .home { font-weight: 700; color: var(--brand); text-decoration: none; letter-spacing: -.01em; }
header.shell .here { color: var(--muted); }
header.shell .docs { margin-left: auto; color: var(--accent); }
.connection { background: var(--bad); color: var(--bg); padding: .5rem .8rem; border-radius: 6px; font-weight: 600; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; } h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
p.lead, .hint { color: var(--muted); margin-top: 0; }
a { color: var(--accent); }
code { font-size: .92em; }
.scroll { overflow-x: auto; } /* a wide table scrolls in its box on a phone, words whole */
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); overflow-wrap: normal; }
@media (max-width: 30rem) { body { padding: 0 .6rem 2rem; } th, td { padding: .3rem .3rem; } }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.num, th.num { font-variant-numeric: tabular-nums; text-align: right; }
input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 5px; background: var(--input); color: var(--fg); max-width: 100%; }
button { background: var(--accent); color: var(--on-accent); border: none; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
button:disabled { opacity: .55; cursor: wait; }
.panel { background: var(--panel); border-radius: 10px; padding: .8rem 1rem; }
.ok { color: var(--ok); } .bad, .error { color: var(--bad); } .warn { color: var(--warn); }
pre.doc { white-space: pre-wrap; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
`;

export interface PageOptions {
  /** Where the page is mounted, as app.prefix gives it ("/sales"; "" at the root). */
  base: string;
  /** The browser tab's title. */
  title: string;
  /** Shown in the header after the home link: the system's name. */
  here?: string;
  /** The system's docs page, linked from the header. */
  docs?: string;
  /** The page's own styles, after the shell's. */
  styles?: string;
  /** The page's HTML inside <main>. */
  body: string;
  /** The page's module script, a file served beside the page (mountPage). */
  script?: string;
  /** HTML after <main>, as a footer. */
  footer?: string;
}

/** One page in the shared shell: head, styles with dark mode, favicon, the header with a link home and to the docs. */
export function renderPage(page: PageOptions): string {
  const script = page.script ? `\n<script type="module" src="${escapeHtml(`${page.base}/${page.script}`)}"></script>` : '';
  const docs = page.docs ? `<a class="docs" href="${escapeHtml(page.docs)}">docs</a>` : '';
  const here = page.here ? `<span class="here">${escapeHtml(page.here)}</span>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="${FAVICON}">
<style>${SHELL_CSS}${page.styles ?? ''}</style>${script}
</head>
<body data-base="${escapeHtml(page.base)}">
<header class="shell"><a class="home" href="/">mensageiro</a>${here}${docs}</header>
<p id="connection" class="connection" role="status" hidden>the server does not answer: is mensageiro still running?</p>
<main>
${page.body}
</main>${page.footer ?? ''}
</body>
</html>
`;
}
