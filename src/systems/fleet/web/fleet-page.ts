import { SAO_PAULO_CENTRE } from '../domain/order-created.ts';

export const FLEET_STYLES = `
form#create { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .7rem 1rem; padding: 1rem; border: 1px solid var(--line); border-radius: 8px; }
form#create label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .2rem; }
form#create .buttons { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }
#result { margin: 1rem 0; padding: .8rem 1rem; border-radius: 8px; background: var(--panel); min-height: 1.5rem; }
#result.error { color: var(--bad); }
#outbox { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; }
#outbox .count { font-variant-numeric: tabular-nums; font-weight: 600; }
.status { font-weight: 600; } .status-PENDING { color: var(--warn); } .status-DISPATCHED, .status-MANUAL_DISPATCH { color: var(--accent); }
.status-DELIVERED { color: var(--ok); } .status-CANCELLED { color: var(--muted); text-decoration: line-through; }
td.actions button { padding: .15rem .5rem; font-size: .85rem; margin-right: .3rem; }
@media (max-width: 30rem) { #orders .created, #orders .driver { display: none; } }
`;

/** The fleet page's HTML: an order form, the newest orders with their state as it changes, and the outbox. */
export function fleetBody(base: string): string {
  return `<h1>Fleet dispatch</h1>
<p class="lead">Each order is written with its <code>OrderCreated</code> event in one transaction (the transactional outbox);
the relay then publishes the event to the <code>orders.created</code> queue. The API is <code>POST ${base}/api/v1/orders</code>.</p>
<p id="starting" class="hint" hidden>starting the embedded database (PGlite)…</p>
<form id="create">
  <label>Order id<input name="id" required maxlength="64" pattern="[A-Za-z0-9._:\\-]+"></label>
  <label>Price<input name="price" required inputmode="decimal" value="100.00"></label>
  <label>Tax<input name="tax" required inputmode="decimal" value="10.00"></label>
  <label>Pickup lat<input name="lat" inputmode="decimal" value="${SAO_PAULO_CENTRE.lat}"></label>
  <label>Pickup lng<input name="lng" inputmode="decimal" value="${SAO_PAULO_CENTRE.lng}"></label>
  <div class="buttons"><button type="submit">Create order</button><button id="many" type="button" class="secondary">Create 10</button></div>
</form>
<div id="result" aria-live="polite">Create an order to see its final price.</div>
<h2>Outbox</h2>
<div id="outbox" class="panel" aria-live="polite">…</div>
<h2>Orders</h2>
<p id="orders-error" class="error"></p>
<div class="scroll"><table id="orders">
  <thead><tr><th>id</th><th class="num">final price</th><th>status</th><th class="driver">driver</th><th class="created">created</th><th></th></tr></thead>
  <tbody></tbody>
</table></div>
<section id="drivers">
  <h2>Drivers</h2>
  <p class="hint">Drivers and their positions appear here once the dispatch worker and the geo search run in this process.</p>
</section>`;
}
