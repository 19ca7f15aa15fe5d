// The sales page: runs a query from the form, and shows the balancer's per-worker statistics every second.
import { $, el, poll, request } from './page-client.browser.js';

const form = /** @type {HTMLFormElement} */ ($('query'));
const result = $('result');

/** @param {string} label @param {string} value */
function line(label, value) {
  const div = el('div', { 'data-field': label }, `${label}: ${value}`);
  result.append(div);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  /** @type {Record<string, string | number>} */
  const body = {};
  for (const [key, value] of new FormData(form)) {
    if (value === '' || typeof value !== 'string') continue;
    body[key] = key.endsWith('_hour') ? Number(value) : value;
  }
  result.className = '';
  result.textContent = 'running…';
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button'));
  button.disabled = true;
  const started = performance.now();
  request('/query', { body, timeoutMs: 15_000 })
    .then((data) => {
      const ms = (performance.now() - started).toFixed(1);
      result.replaceChildren();
      line('sales', String(data.total_sales_count));
      line('revenue', String(data.total_revenue));
      line('average amount', Number(data.average_amount).toFixed(2));
      line('answered by', `${data.region_processed} in ${ms} ms`);
    })
    .catch((/** @type {Error} */ err) => {
      result.className = 'error';
      result.textContent = err.message;
    })
    .finally(() => {
      button.disabled = false;
    });
});

/** @typedef {{ member: string, healthy: boolean, pending: number, total: number }} WorkerStats */

/** @param {WorkerStats[]} workers */
function renderWorkers(workers) {
  const sum = workers.reduce((total, w) => total + w.total, 0) || 1;
  const rows = workers.map((w) => {
    const tr = el('tr', { 'data-worker': w.member });
    tr.append(
      el('td', {}, w.member),
      el('td', { class: w.healthy ? 'up' : 'down' }, w.healthy ? '● up' : '● down'),
      el('td', { class: 'num' }, String(w.pending)),
      el('td', { class: 'num' }, String(w.total)),
    );
    const share = el('td');
    share.append(el('div', { class: 'bar', style: `width:${((100 * w.total) / sum).toFixed(1)}%` }));
    tr.append(share);
    return tr;
  });
  /** @type {HTMLElement} */ ($('workers').querySelector('tbody')).replaceChildren(...rows);
}

poll(
  async () => {
    const { workers } = await request('/stats', { timeoutMs: 5_000 });
    renderWorkers(workers);
    $('workers-error').textContent = '';
  },
  1_000,
  (err) => {
    // Rows left as they were would claim workers are up that nobody has heard from.
    /** @type {HTMLElement} */ ($('workers').querySelector('tbody')).replaceChildren();
    $('workers-error').textContent = `the statistics did not load: ${err.message}`;
  },
);
