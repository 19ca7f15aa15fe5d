import { CATEGORIES, REGIONS } from '../domain/catalog.ts';

const options = (values: readonly string[]) => ['<option value="">any</option>', ...values.map((v) => `<option>${v}</option>`)].join('');

/** The sales page: a query form and the balancer's live per-worker statistics. `base` is where it is mounted. */
export function salesPage(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mensageiro · sales</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 58rem; padding: 0 1rem; color: #1d2230; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; } p.lead { color: #555; margin-top: 0; }
  form { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .7rem 1rem; padding: 1rem; border: 1px solid #d8dce6; border-radius: 8px; }
  label { display: flex; flex-direction: column; font-size: .85rem; color: #444; gap: .2rem; }
  input, select, button { font: inherit; padding: .35rem .45rem; border: 1px solid #b9c0cf; border-radius: 5px; }
  button { background: #2450d8; color: #fff; border: none; cursor: pointer; align-self: end; }
  #result { margin: 1rem 0; padding: .8rem 1rem; border-radius: 8px; background: #f3f5fa; min-height: 1.5rem; }
  #result.error { background: #fdeeee; color: #8a1c1c; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e6ee; }
  td.num { font-variant-numeric: tabular-nums; text-align: right; } .bar { height: .6rem; background: #2450d8; border-radius: 3px; }
  .up { color: #15803d; } .down { color: #b91c1c; }
</style>
</head>
<body>
<h1>Sales analytics</h1>
<p class="lead">Each query goes to <code>sales_requests</code>; the balancer forwards it to the worker with the fewest outstanding requests, which answers you directly.</p>
<form id="query">
  <label>Region<select name="region">${options(REGIONS)}</select></label>
  <label>Category<select name="category">${options(CATEGORIES)}</select></label>
  <label>Start date<input name="start_date" type="date" value="2023-01-01"></label>
  <label>End date<input name="end_date" type="date" value="2023-12-31"></label>
  <label>Start hour<input name="start_hour" type="number" min="0" max="23" placeholder="0–23"></label>
  <label>End hour<input name="end_hour" type="number" min="0" max="23" placeholder="0–23"></label>
  <label>Product keyword<input name="product_keyword" maxlength="100"></label>
  <label>Buyer keyword<input name="buyer_keyword" maxlength="100"></label>
  <button type="submit">Run query</button>
</form>
<div id="result" aria-live="polite">Run a query to see its totals.</div>
<h2>Workers</h2>
<table id="workers"><thead><tr><th>worker</th><th>health</th><th>pending</th><th>total routed</th><th>share</th></tr></thead><tbody></tbody></table>
<script>
const base = ${JSON.stringify(base)};
const form = document.getElementById('query');
const result = document.getElementById('result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {};
  for (const [key, value] of new FormData(form)) {
    if (value === '') continue;
    body[key] = key.endsWith('_hour') ? Number(value) : value;
  }
  result.className = '';
  result.textContent = 'running…';
  const started = performance.now();
  const response = await fetch(base + '/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await response.json();
  const ms = (performance.now() - started).toFixed(1);
  if (!response.ok) { result.className = 'error'; result.textContent = data.error; return; }
  result.innerHTML = '';
  const line = (label, value) => { const div = document.createElement('div'); div.textContent = label + ': ' + value; div.dataset.field = label; result.append(div); };
  line('sales', data.total_sales_count);
  line('revenue', data.total_revenue);
  line('average amount', data.average_amount.toFixed(2));
  line('answered by', data.region_processed + ' in ' + ms + ' ms');
});
async function refresh() {
  try {
    const { workers } = await (await fetch(base + '/stats')).json();
    const sum = workers.reduce((a, w) => a + w.total, 0) || 1;
    document.querySelector('#workers tbody').innerHTML = workers.map((w) =>
      '<tr data-worker="' + w.member + '"><td>' + w.member + '</td><td class="' + (w.healthy ? 'up">● up' : 'down">● down') + '</td><td class="num">' + w.pending +
      '</td><td class="num">' + w.total + '</td><td><div class="bar" style="width:' + (100 * w.total / sum).toFixed(1) + '%"></div></td></tr>').join('');
  } catch {}
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
}
