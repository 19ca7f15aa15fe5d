import WebSocket from 'ws';
import { waitFor } from './wait.ts';

export type Frame = Record<string, unknown> & { type: string };

/**
 * A test's WebSocket client of the chat: every frame the server sends, split on "\n" as the server joins them,
 * kept in order; waits for the frames a test expects, and for the close with its code and reason.
 */
export class ChatClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  #error: Error | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      for (const line of data.toString().split('\n')) if (line) this.frames.push(JSON.parse(line) as Frame);
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on('error', (err) => (this.#error = err));
  }

  /** Opens a connection and waits for the server's welcome. */
  static async open(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<ChatClient> {
    const client = new ChatClient(new WebSocket(url, options.protocols ?? [], { headers: options.headers }));
    await waitFor(() => client.frames.length > 0 || client.closed !== undefined || client.#error !== undefined, `a welcome from ${url}`);
    if (client.#error && !client.closed) throw client.#error;
    return client;
  }

  /** A client that names itself (anonymous servers) and subscribes to `rooms`, tracking presence there. */
  static async joined(url: string, user: { id: string; username: string }, rooms: string[], history = false): Promise<ChatClient> {
    const client = await ChatClient.open(url);
    for (const room of rooms) {
      client.send({ type: 'subscribe', room, user, ...(history ? { options: { history: true } } : {}) });
      client.send({ type: 'presence', room });
      await client.next((f) => f.type === 'presence_list' && f.room === room);
    }
    return client;
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  of(type: string, match: (frame: Frame) => boolean = () => true): Frame[] {
    return this.frames.filter((frame) => frame.type === type && match(frame));
  }

  /** The first frame from index `from` on that matches, once it has come. */
  async next(match: (frame: Frame) => boolean, what = 'a frame', timeoutMs = 10_000, from = 0): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(() => (found = this.frames.slice(from).find(match)) !== undefined, `${what}; got ${JSON.stringify(this.frames.slice(-5))}`, timeoutMs);
    return found!;
  }

  /** Sends `frame` and waits for the first frame after it that matches. */
  async ask(frame: Record<string, unknown>, match: (frame: Frame) => boolean, what?: string): Promise<Frame> {
    const from = this.frames.length;
    this.send(frame);
    return this.next(match, what ?? `an answer to ${JSON.stringify(frame).slice(0, 80)}`, 10_000, from);
  }

  async untilClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== undefined, 'the connection to close', timeoutMs);
    return this.closed!;
  }

  close(): void {
    this.ws.close();
  }
}
