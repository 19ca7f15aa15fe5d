// The chat page's connection: one WebSocket that reconnects by itself with a growing, jittered delay, splits the
// server's joined frames on "\n", and stops only when the server refuses its token (close code 4401).

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const UNAUTHORIZED = 4401;
const TOO_MANY_MESSAGES = 4429;

/**
 * @typedef {{ state: 'connecting' } | { state: 'live' } | { state: 'retrying', inMs: number, code: number, reason: string, failures: number }
 *   | { state: 'refused', reason: string }} SocketState
 */

export class ChatSocket {
  /**
   * @param {{ url: string, protocols: () => string[], onOpen: () => void, onFrame: (frame: any) => void, onState: (state: SocketState) => void }} options
   */
  constructor(options) {
    this.options = options;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** Attempts in a row that did not open. */
    this.failures = 0;
    /** @type {number | undefined} */
    this.timer = undefined;
    this.stopped = false;
  }

  connect() {
    clearTimeout(this.timer);
    this.stopped = false;
    this.options.onState({ state: 'connecting' });
    const ws = new WebSocket(this.options.url, this.options.protocols());
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.failures = 0;
      this.options.onState({ state: 'live' });
      this.options.onOpen();
    };
    ws.onmessage = (event) => {
      for (const line of String(event.data).split('\n')) {
        if (line === '') continue;
        try {
          this.options.onFrame(JSON.parse(line));
        } catch (err) {
          console.error('a frame from the server could not be read', err);
        }
      }
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (event.code === UNAUTHORIZED) {
        this.options.onState({ state: 'refused', reason: event.reason || 'the server refused the token' });
        return;
      }
      if (!opened) this.failures++;
      const slowDown = event.code === TOO_MANY_MESSAGES ? 4 : 1;
      const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(this.failures, 5) * slowDown);
      const inMs = Math.round(base / 2 + Math.random() * (base / 2));
      this.options.onState({ state: 'retrying', inMs, code: event.code, reason: event.reason, failures: this.failures });
      this.timer = setTimeout(() => this.connect(), inMs);
    };
  }

  /** Sends a frame now; false when there is no open connection (the frame is not kept). @param {object} frame */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Closes for good (until connect() again). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'bye');
    this.ws = null;
  }
}
