// What every page's script shares: where the page is mounted, requests that say why they failed, and polling
// that shows when the server has gone. Served beside each page's own script (see mountPage in page-route.ts),
// so a page imports it as './page-client.browser.js'.

/** Where the page is mounted, as "/sales" ("" for the landing page). */
export const base = document.body.dataset.base ?? '';

const GONE = 'the server does not answer: is mensageiro still running?';

/** A request that failed, with a sentence saying why. `status` is 0 when no answer came at all. */
export class RequestError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} [attributes]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Shows or hides the shell's line saying the server does not answer. @param {boolean} gone */
export function connectionLost(gone) {
  const line = document.getElementById('connection');
  if (line) line.hidden = !gone;
}

/**
 * A JSON request to the page's own routes (`path` after the base). Resolves with the answer's JSON; rejects
 * with a RequestError whose message says why: the server's own reason on a 4xx or 5xx, or that it is gone.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, timeoutMs?: number }} [options]
 * @returns {Promise<any>}
 */
export async function request(path, options = {}) {
  const { method = options.body === undefined ? 'GET' : 'POST', body, timeoutMs = 30_000 } = options;
  /** @type {Response} */
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof DOMException && err.name === 'TimeoutError';
    if (!timedOut) connectionLost(true);
    throw new RequestError(timedOut ? `no answer within ${timeoutMs / 1000} s` : GONE, 0);
  }
  connectionLost(false);
  /** @type {any} */
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = data && typeof data.error === 'string' ? data.error : `the server answered HTTP ${response.status}`;
    throw new RequestError(reason, response.status);
  }
  return data;
}

/**
 * Runs `task` now and then every `ms` after the previous run ended, so that slow answers never pile up.
 * A failure goes to `onError` (the shell's line already says when the server is gone); polling goes on.
 * @param {() => Promise<void>} task
 * @param {number} ms
 * @param {(err: RequestError) => void} [onError]
 */
export function poll(task, ms, onError) {
  const run = async () => {
    try {
      await task();
    } catch (err) {
      onError?.(err instanceof RequestError ? err : new RequestError(String(err), 0));
    }
    setTimeout(() => void run(), ms);
  };
  void run();
}
