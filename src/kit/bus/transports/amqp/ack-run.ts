import type { Message } from 'amqplib';

/**
 * The acks of one consumer channel, sent together rather than one basic.ack each: the deliveries acked at the
 * head of those outstanding go as one basic.ack with `multiple`, naming the last of them, and those acked
 * behind one still outstanding go one by one. RabbitMQ takes a multiple ack as one method and one message to
 * the queue for the whole run, where single acks cost one of each per delivery. A channel numbers its
 * deliveries in order, so `add` is called in delivery-tag order.
 *
 * They leave in a microtask: amqplib hands out the deliveries of one socket read in one synchronous pass, and
 * a handler that finishes synchronously acks during it, so the acks of a read go together; and they still
 * reach amqplib's writer before it runs (in setImmediate), so they wait no longer than a single ack did.
 *
 * RabbitMQ closes the channel on an ack of a tag it no longer holds, multiple or not, so an ack sent is
 * forgotten here at once and never named again. If the channel closes with acks not yet sent, the broker
 * redelivers those messages, as it would after any lost ack.
 */
export class AckRun {
  /** Outstanding deliveries in delivery-tag order, and whether each is acked but not yet sent. */
  #messages: Message[] = [];
  #acked: boolean[] = [];
  #pending = 0;
  #scheduled = false;

  constructor(private readonly send: (message: Message, multiple: boolean) => void) {}

  /** A delivery handed out on this channel, in the order the channel delivered it. */
  add(message: Message): void {
    this.#messages.push(message);
    this.#acked.push(false);
  }

  /** Marks a delivery acked; the ack leaves in a microtask, with the others marked until then. */
  ack(message: Message): void {
    const at = this.#indexOf(message.fields.deliveryTag);
    if (at === -1 || this.#acked[at]) return;
    this.#acked[at] = true;
    this.#pending++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  /** Sends every ack marked so far: the pass has ended, or the channel is about to close. */
  flush(): void {
    if (this.#pending === 0) return;
    this.#pending = 0;
    const messages = this.#messages;
    const acked = this.#acked;
    let head = 0;
    while (head < acked.length && acked[head]) head++;
    if (head > 0) this.send(messages[head - 1]!, true);
    if (head === messages.length) {
      messages.length = acked.length = 0;
      return;
    }
    // Behind a delivery still outstanding: each acked one on its own, and only the outstanding are kept.
    const keep: Message[] = [];
    for (let i = head; i < messages.length; i++) {
      if (acked[i]) this.send(messages[i]!, false);
      else keep.push(messages[i]!);
    }
    this.#messages = keep;
    this.#acked = keep.map(() => false);
  }

  #indexOf(deliveryTag: number): number {
    const messages = this.#messages;
    if (messages.length === 0) return -1;
    // RabbitMQ numbers a channel's deliveries 1, 2, 3, …: most often the tag's distance from the first is its place.
    const guess = deliveryTag - messages[0]!.fields.deliveryTag;
    if (messages[guess]?.fields.deliveryTag === deliveryTag) return guess;
    let low = 0;
    let high = messages.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const tag = messages[middle]!.fields.deliveryTag;
      if (tag === deliveryTag) return middle;
      if (tag < deliveryTag) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}
