import { type ZmtpConnection, type ZmtpConnectionOptions, connectZmtp, parseTcpEndpoint } from './zmtp-connection.ts';

/** How long a dropped connection waits before it is dialled again: libzmq's reconnect interval. */
export const ZMTP_RECONNECT_MS = 100;

export interface ZmtpDialerOptions extends ZmtpConnectionOptions {
  /** Each new connection, as it is dialled: what must be said first on it (a SUB's subscriptions) is sent here. */
  onDial?(connection: ZmtpConnection): void;
}

/**
 * A connecting socket's one connection to an endpoint, dialled again every 100 ms after it drops, as libzmq's
 * connect does. Messages and closes of a connection already replaced never reach the callbacks.
 */
export class ZmtpDialer {
  #connection: ZmtpConnection;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly endpoint: string,
    private readonly options: ZmtpDialerOptions,
  ) {
    parseTcpEndpoint(endpoint);
    this.#connection = this.#dial();
  }

  /** The current connection: possibly still in its handshake, or dropped and about to be replaced. */
  get connection(): ZmtpConnection {
    return this.#connection;
  }

  /** The current connection's handshake is done and it is up. */
  get open(): boolean {
    return this.#connection.open;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    this.#connection.close();
  }

  #dial(): ZmtpConnection {
    const connection = connectZmtp(this.endpoint, {
      ...this.options,
      onMessage: (frames) => {
        if (connection === this.#connection) this.options.onMessage(frames);
      },
      onClose: (error) => {
        if (connection !== this.#connection) return;
        this.options.onClose?.(error);
        if (!this.#closed) this.#reconnect = setTimeout(() => (this.#connection = this.#dial()), ZMTP_RECONNECT_MS);
      },
    });
    this.options.onDial?.(connection);
    return connection;
  }
}
