import type { BenchClient, Connect } from './bench-clients.ts';
import type { DeliveryLedger } from './delivery-ledger.ts';

export interface Member {
  client: BenchClient;
  index: number;
  /** Which instance it is connected to. */
  instance: number;
}

/** Connections opened at once while joining: enough to be quick, few enough not to time out on a loaded host. */
const CONNECT_BATCH = 50;
const SETTLE_TIMEOUT_MS = 30_000;

/**
 * A room's members spread over the instances (member i on instance i mod n), each joined. Their deliveries go to
 * whichever ledger is current, so several measured runs (a rate's steps) share the connections.
 */
export class RoomMembers {
  readonly members: Member[] = [];
  ledger: DeliveryLedger | undefined;
  readonly #probes = new Map<string, Set<number>>();

  private constructor(readonly room: string) {}

  static async open(connect: Connect, urls: string[], count: number, room: string): Promise<RoomMembers> {
    const room_ = new RoomMembers(room);
    try {
      for (let start = 0; start < count; start += CONNECT_BATCH) {
        const batch = Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, async (_, k) => {
          const index = start + k;
          const instance = index % urls.length;
          const client = await connect(urls[instance]!, `member-${index}`);
          room_.#wire({ client, index, instance });
          await client.join(room);
        });
        await Promise.all(batch);
      }
      await room_.#settle(urls.length);
      return room_;
    } catch (err) {
      room_.close();
      throw err;
    }
  }

  #wire(member: Member): void {
    this.members.push(member);
    member.client.onMessage((room, text) => {
      if (room !== this.room) return;
      if (text.startsWith('probe ')) this.#probes.get(text)?.add(member.index);
      else this.ledger?.received(member.index, member.instance, text);
    });
    member.client.onError((reason) => this.ledger?.error(reason));
  }

  /** One member on each instance, the first ones. */
  get publishers(): Member[] {
    const seen = new Set<number>();
    return this.members.filter((m) => !seen.has(m.instance) && seen.add(m.instance));
  }

  /**
   * Probes from a member on each instance until one round reaches every member: joins (unacknowledged on our
   * side) and the instances' Redis subscriptions are all in place before anything is measured.
   */
  async #settle(instances: number): Promise<void> {
    const deadline = performance.now() + SETTLE_TIMEOUT_MS;
    const from = this.members.filter((m, i) => i < instances);
    for (let round = 0; performance.now() < deadline; round++) {
      const texts = from.map((m) => `probe ${round} ${m.instance}`);
      for (const text of texts) this.#probes.set(text, new Set());
      from.forEach((m, i) => m.client.publish(this.room, texts[i]!));
      const until = Math.min(deadline, performance.now() + 1_000);
      const all = () => texts.every((t) => this.#probes.get(t)!.size === this.members.length);
      while (!all() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      const done = all();
      for (const text of texts) this.#probes.delete(text);
      if (done) return;
    }
    throw new Error(`the room's ${this.members.length} members did not all get a probe from every instance within ${SETTLE_TIMEOUT_MS / 1_000} s`);
  }

  /** Waits until the current ledger has every expected delivery, or `graceMs` passes. */
  async drain(graceMs: number): Promise<void> {
    const until = performance.now() + graceMs;
    while (this.ledger && !this.ledger.complete && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  close(): void {
    for (const member of this.members) member.client.close();
  }
}
