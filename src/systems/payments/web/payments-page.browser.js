// The payments page: our summary beside the processors' every second, their delay and failure switches, a
// short load with its chart, and a purge of both sides.
import { $, el, poll, request } from './page-client.browser.js';

/** @typedef {{ totalRequests: number, totalAmountCents: number }} Totals */
/** @typedef {Totals & { delayMs: number, failing: boolean }} ProcessorState */
/**
 * @typedef {{
 *   backend: { default: Totals, fallback: Totals },
 *   processors: { default: ProcessorState, fallback: ProcessorState },
 *   dispatcher: { queued: number, inFlight: { default: number, fallback: number }, reconciling: number, unrecorded: number, accepted: number, unqueued?: number },
 * }} PaymentsState
 */

const PROCESSORS = /** @type {const} */ (['default', 'fallback']);
const money = (/** @type {number} */ cents) => (cents / 100).toFixed(2);
const summary = /** @type {HTMLElement} */ ($('summary').querySelector('tbody'));
const result = $('result');

/** @param {string} text @param {boolean} [error] */
function say(text, error = false) {
  result.className = error ? 'output error' : 'output';
  result.textContent = text;
}

/**
 * Ours and theirs differ while payments are on their way (sent and not answered, or answered and not yet
 * written): that is "in flight", and only a difference with nothing on its way is a mismatch.
 * @param {Totals} ours @param {Totals} theirs @param {number} inFlight @param {number} settling
 * @returns {[string, string]} the cell's class and text
 */
function match(ours, theirs, inFlight, settling) {
  if (inFlight > 0) return ['in-flight', `${inFlight} in flight`];
  if (ours.totalRequests === theirs.totalRequests && ours.totalAmountCents === theirs.totalAmountCents) return ['ok', '✓'];
  if (settling > 0) return ['in-flight', 'settling…'];
  return ['mismatch', `✗ differs by ${Math.abs(ours.totalRequests - theirs.totalRequests)}`];
}

/** Rows are made once and their cells updated, so an input keeps its focus and value while it is edited. */
function row(/** @type {string} */ processor) {
  let tr = summary.querySelector(`tr[data-processor="${processor}"]`);
  if (tr) return tr;
  tr = el('tr', { 'data-processor': processor });
  tr.append(el('td', {}, processor));
  for (const cls of ['num ours', 'num ours-amount', 'num theirs', 'num theirs-amount', 'match']) tr.append(el('td', { class: cls }));
  const delay = el('td');
  delay.append(el('input', { type: 'number', class: 'delay', min: '0', 'aria-label': `${processor} delay in ms` }));
  const failing = el('td');
  failing.append(el('input', { type: 'checkbox', class: 'failing', 'aria-label': `${processor} failing` }));
  tr.append(delay, failing);
  summary.append(tr);
  return tr;
}

/** @param {PaymentsState} s */
function render(s) {
  const d = s.dispatcher;
  const settling = d.queued + d.reconciling + d.unrecorded + (d.unqueued ?? 0);
  for (const processor of PROCESSORS) {
    const ours = s.backend[processor];
    const theirs = s.processors[processor];
    const tr = row(processor);
    const cell = (/** @type {string} */ cls) => /** @type {HTMLElement} */ (tr.querySelector(`.${cls}`));
    cell('ours').textContent = String(ours.totalRequests);
    cell('ours-amount').textContent = money(ours.totalAmountCents);
    cell('theirs').textContent = String(theirs.totalRequests);
    cell('theirs-amount').textContent = money(theirs.totalAmountCents);
    const [state, text] = match(ours, theirs, d.inFlight[processor], settling);
    cell('match').className = `match ${state}`;
    cell('match').textContent = text;
    const delay = /** @type {HTMLInputElement} */ (tr.querySelector('input.delay'));
    if (document.activeElement !== delay) delay.value = String(theirs.delayMs);
    /** @type {HTMLInputElement} */ (tr.querySelector('input.failing')).checked = theirs.failing;
  }
  $('queue').textContent = `queue: ${d.queued} waiting · in flight: default ${d.inFlight.default}, fallback ${d.inFlight.fallback} · accepted ${d.accepted}`;
}

const refresh = async () => render(await request('/state', { timeoutMs: 5_000 }));

summary.addEventListener('change', (event) => {
  const input = /** @type {HTMLInputElement} */ (event.target);
  const processor = /** @type {HTMLElement} */ (input.closest('tr')).dataset.processor;
  const body = input.classList.contains('delay') ? { delay: Number(input.value) } : { failure: input.checked };
  request(`/processors/${processor}`, { method: 'PUT', body })
    .then(() => input.blur())
    .catch((/** @type {Error} */ err) => say(`the ${processor} processor was not changed: ${err.message}`, true))
    .finally(() => void refresh().catch(() => {}));
});

$('run').addEventListener('click', () => {
  const button = /** @type {HTMLButtonElement} */ ($('run'));
  const rate = Number(/** @type {HTMLInputElement} */ ($('rate')).value);
  const seconds = Number(/** @type {HTMLInputElement} */ ($('seconds')).value);
  button.disabled = true;
  say('running…');
  request('/load', { body: { rate, seconds }, timeoutMs: (seconds + 30) * 1000 })
    .then((r) => {
      say(`${r.ok} of ${r.count} answered 2xx at ${r.rps}/s · p50 ${r.p50.toFixed(2)} ms · p99 ${r.p99.toFixed(2)} ms · max ${r.max.toFixed(2)} ms`);
      // The chart is SVG the server drew from numbers alone.
      $('chart').innerHTML = r.chart;
    })
    .catch((/** @type {Error} */ err) => say(`the load did not run: ${err.message}`, true))
    .finally(() => {
      button.disabled = false;
    });
});

$('purge').addEventListener('click', () => {
  if (!confirm('Purge every payment, ours and both processors\'? The summaries start again from zero.')) return;
  request('/purge-payments', { method: 'POST' })
    .then(() => say('purged: ours and both processors\' payments'))
    .catch((/** @type {Error} */ err) => say(`the purge failed: ${err.message}`, true))
    .finally(() => void refresh().catch(() => {}));
});

poll(refresh, 1_000, () => {
  // Figures nobody can vouch for any more are not shown as matching.
  for (const cell of summary.querySelectorAll('td.match')) {
    cell.className = 'match unknown';
    cell.textContent = '?';
  }
});
