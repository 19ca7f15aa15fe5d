import type { Envelope } from '../../envelope.ts';
import type { Delivery } from '../../transport.ts';

/** Ids per busAck call: Lua's unpack() has a limit, and one call should not hold the server for long. */
const MAX_IDS = 500;
const settled: Promise<void> = Promise.resolve();

/**
 * The acks of one consumer made in one turn of the event loop, sent as one busAck of all their ids rather
 * than one script call each: deliveries read in one batch are mostly acked in the same turn. Each ack still
 * resolves only once Redis has acknowledged and deleted its entry.
 */
export class AckBatch {
  #ids: string[] = [];
  #done: Promise<void> = settled;
  #resolve: () => void = () => {};
  #reject: (err: unknown) => void = () => {};
  #scheduled = false;

  constructor(
    private readonly send: (ids: string[]) => Promise<unknown>,
    /** Called with a batch's ids once its call has settled, whether it succeeded or failed. */
    private readonly finished: (ids: string[]) => void,
  ) {}

  ack(id: string): Promise<void> {
    if (this.#ids.length === 0) {
      this.#done = new Promise<void>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    this.#ids.push(id);
    const done = this.#done;
    if (this.#ids.length >= MAX_IDS) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
    return done;
  }

  #flush(): void {
    const ids = this.#ids;
    if (ids.length === 0) return;
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#ids = [];
    this.send(ids).then(
      () => {
        this.finished(ids);
        resolve();
      },
      (err: unknown) => {
        this.finished(ids);
        reject(err);
      },
    );
  }
}

/** A delivery whose ack joins its consumer's AckBatch; a class, so no closure is made per message. */
export class StreamDelivery implements Delivery {
  #acked = false;

  constructor(
    readonly envelope: Envelope,
    readonly redelivered: boolean,
    private readonly entryId: string,
    private readonly acks: AckBatch,
  ) {}

  ack(): Promise<void> {
    if (this.#acked) return settled;
    this.#acked = true;
    return this.acks.ack(this.entryId);
  }
}
