/** The close codes this server sends, each with the reason it gives (docs/chat-ws.md lists them for clients). */
export const CLOSE = {
  /** The server is shutting down: reconnect (nginx sends you to another instance). */
  goingAway: 1001,
  /** A frame over the size limit (sent by ws itself). */
  tooBig: 1009,
  /** The send buffer overflowed: the client did not read fast enough. Reconnect and recover with `since`. */
  slowConsumer: 1013,
  /** No token, a bad one, or one that expired (also while connected). Get a new token before reconnecting. */
  unauthorized: 4401,
  /** The client kept sending over its rate limit after being told. Slow down before reconnecting. */
  tooManyMessages: 4429,
} as const;
