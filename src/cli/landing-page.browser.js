// The landing page: each built system's card shows its health and one figure, asked every two seconds.
import { poll, request } from './page-client.browser.js';

/** @typedef {{ healthy: boolean, summary: string }} SystemHealth */

const cards = [...document.querySelectorAll('li.card')].filter((card) => card.querySelector('.health'));

/** @param {Element} card @param {string} state @param {string} label @param {string} figure */
function show(card, state, label, figure) {
  const health = /** @type {HTMLElement} */ (card.querySelector('.health'));
  health.dataset.health = state;
  health.textContent = label;
  /** @type {HTMLElement} */ (card.querySelector('.figure')).textContent = figure;
}

poll(
  async () => {
    /** @type {Record<string, SystemHealth>} */
    const systems = await request('/systems', { timeoutMs: 5_000 });
    for (const card of cards) {
      const health = systems[/** @type {HTMLElement} */ (card).dataset.system ?? ''];
      if (!health) show(card, 'unknown', 'unknown', '');
      else show(card, health.healthy ? 'up' : 'degraded', health.healthy ? 'up' : 'degraded', health.summary);
    }
  },
  2_000,
  (err) => {
    for (const card of cards) show(card, 'unreachable', 'not answering', err.message);
  },
);
