/** Base class: every error the bus raises on purpose. */
export class BusError extends Error {
  override name = 'BusError';
}

/** A message that no retry can fix (bad bytes, failed validation). It goes straight to the dead-letter queue. */
export class PermanentError extends BusError {
  override name = 'PermanentError';
}

export class DecodeError extends PermanentError {
  override name = 'DecodeError';
}

export class RequestTimeoutError extends BusError {
  override name = 'RequestTimeoutError';
  constructor(
    readonly queue: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply from "${queue}" within ${timeoutMs} ms: is a responder running on that queue?`);
  }
}

/** The responder's handler threw; its type and message travel back in the reply. */
export class RemoteError extends BusError {
  override name = 'RemoteError';
  constructor(
    message: string,
    readonly remoteType: string,
    readonly queue: string,
  ) {
    super(message);
  }
}

export class QueueFullError extends BusError {
  override name = 'QueueFullError';
  constructor(readonly queue: string) {
    super(`queue "${queue}" is full: consumers are behind; retry later or add consumers`);
  }
}

export class BusClosedError extends BusError {
  override name = 'BusClosedError';
  constructor() {
    super('the bus is closed');
  }
}
