import { CATEGORIES, REGIONS } from '../domain/catalog.ts';

const options = (values: readonly string[]) => ['<option value="">any</option>', ...values.map((v) => `<option>${v}</option>`)].join('');

export const SALES_STYLES = `
form#query { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .7rem 1rem; padding: 1rem; border: 1px solid var(--line); border-radius: 8px; }
label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
form#query button { align-self: end; padding: .4rem .6rem; }
#result { margin: 1rem 0; padding: .8rem 1rem; border-radius: 8px; background: var(--panel); min-height: 1.5rem; }
#result.error { color: var(--bad); }
.bar { height: .6rem; background: var(--accent); border-radius: 3px; }
td.up { color: var(--ok); } td.down { color: var(--bad); }
`;

/** The sales page's HTML: a query form and the balancer's live per-worker statistics (its script fills them). */
export const SALES_BODY = `<h1>Sales analytics</h1>
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
<div class="scroll"><table id="workers"><thead><tr><th>worker</th><th>health</th><th class="num">pending</th><th class="num">total routed</th><th>share</th></tr></thead><tbody></tbody></table></div>
<p id="workers-error" class="error"></p>`;
