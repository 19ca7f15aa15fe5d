// The fleet page: creates orders through the API, and shows the newest orders and the outbox every second, so
// each order's state is seen changing as the relay and the worker act on it.
import { $, el, poll, request } from './page-client.browser.js';

/** @typedef {{ id: string, final_price: string, status: string, driver_id: string | null, created_at: string }} Order */
/** @typedef {{ PENDING: number, PROCESSING: number, PUBLISHED: number, FAILED: number }} OutboxCounts */
/** @typedef {{ ready: boolean, problem?: string, orders: Order[], outbox?: OutboxCounts }} FleetState */

const form = /** @type {HTMLFormElement} */ ($('create'));
const result = $('result');
const idInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('id'));
/** The states from which an order can still be cancelled or delivered; the server has the last word (409). */
const OPEN = new Set(['PENDING', 'MANUAL_DISPATCH', 'DISPATCHED']);

const newId = () => `order-${Math.random().toString(36).slice(2, 8)}`;
idInput.value = newId();

/** @param {string} text @param {boolean} [error] */
function say(text, error = false) {
  result.className = error ? 'error' : '';
  result.textContent = text;
}

/** The form's order; pickup only when both coordinates are given. @param {string} id */
function orderFromForm(id) {
  const data = new FormData(form);
  const field = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
  /** @type {Record<string, unknown>} */
  const order = { id, price: field('price'), tax: field('tax') };
  if (field('lat') !== '' && field('lng') !== '') order.pickup = { lat: Number(field('lat')), lng: Number(field('lng')) };
  return order;
}

/** @param {Record<string, unknown>} order */
async function create(order) {
  const created = await request('/api/v1/orders', { body: order });
  return /** @type {{ id: string, final_price: string }} */ (created);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  create(orderFromForm(idInput.value.trim()))
    .then((created) => {
      say(`created ${created.id}: final price ${created.final_price}`);
      idInput.value = newId();
    })
    .catch((/** @type {Error} */ err) => say(err.message, true));
});

$('many').addEventListener('click', () => {
  const orders = Array.from({ length: 10 }, () => orderFromForm(newId()));
  Promise.all(orders.map(create))
    .then(() => say('created 10 orders'))
    .catch((/** @type {Error} */ err) => say(err.message, true));
});

/** @param {string} id @param {'cancel' | 'deliver'} action */
function act(id, action) {
  request(`/api/v1/orders/${encodeURIComponent(id)}/${action}`, { method: 'POST' })
    .then((/** @type {Order} */ order) => say(`${order.id} is ${order.status}`))
    .catch((/** @type {Error} */ err) => say(`${id}: ${err.message}`, true));
}

/** @param {Order} order */
function orderRow(order) {
  const tr = el('tr', { 'data-order': order.id });
  const actions = el('td', { class: 'actions' });
  if (OPEN.has(order.status)) {
    for (const action of /** @type {const} */ (['cancel', 'deliver'])) {
      const button = el('button', { type: 'button', class: 'secondary' }, action);
      button.addEventListener('click', () => act(order.id, action));
      actions.append(button);
    }
  }
  tr.append(
    el('td', {}, order.id),
    el('td', { class: 'num' }, order.final_price),
    el('td', { class: `status status-${order.status}` }, order.status),
    el('td', { class: 'driver' }, order.driver_id ?? '—'),
    el('td', { class: 'created' }, new Date(order.created_at).toLocaleTimeString()),
    actions,
  );
  return tr;
}

/** @param {OutboxCounts} counts */
function renderOutbox(counts) {
  const parts = Object.entries(counts).map(([status, count]) => {
    const span = el('span', { 'data-outbox': status });
    span.append(`${status.toLowerCase()} `, el('span', { class: 'count' }, String(count)));
    return span;
  });
  $('outbox').replaceChildren(...parts);
}

poll(
  async () => {
    const state = /** @type {FleetState} */ (await request('/state', { timeoutMs: 5_000 }));
    $('starting').hidden = state.ready || state.problem !== undefined;
    $('orders-error').textContent = state.problem ?? '';
    if (state.outbox) renderOutbox(state.outbox);
    /** @type {HTMLElement} */ ($('orders').querySelector('tbody')).replaceChildren(...state.orders.map(orderRow));
  },
  1_000,
  (err) => {
    $('orders-error').textContent = `the orders did not load: ${err.message}`;
  },
);
