import type { Redis } from 'ioredis';
import type { Envelope } from '../../envelope.ts';
import { compilePattern } from '../../pattern.ts';
import { createLogger } from '../../../observe/log.ts';
import { unpackMessage } from './fields.ts';

const log = createLogger('bus.redis');

interface Listener {
  matches: (topic: string) => boolean;
  onMessage: (envelope: Envelope) => void;
}

/**
 * Topic subscriptions and reply channels on one subscriber connection. A pattern without wildcards is a
 * plain SUBSCRIBE; one with `*` or `#` becomes a PSUBSCRIBE on the glob of its literal prefix, and each
 * message is then checked against the AMQP-style pattern here. Listeners that share a channel or glob
 * share one Redis subscription.
 */
export class TopicHub {
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #globs = new Map<string, Set<Listener>>();
  /** (Un)subscribes run one at a time, so a channel is never left subscribed with no listener or vice versa. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(readonly connection: Redis) {
    connection.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
      this.#dispatch(this.#channels.get(channel.toString('utf8')), channel, payload);
    });
    connection.on('pmessageBuffer', (glob: string | Buffer, channel: Buffer, payload: Buffer) => {
      this.#dispatch(this.#globs.get(glob.toString()), channel, payload);
    });
  }

  /** Resolves once Redis confirms the subscription; the returned function removes the listener. */
  async add(pattern: string, onMessage: (envelope: Envelope) => void): Promise<() => Promise<void>> {
    const listener: Listener = { matches: compilePattern(pattern), onMessage };
    const glob = globFor(pattern);
    const map = glob === undefined ? this.#channels : this.#globs;
    const key = glob ?? pattern;
    await this.#serial(async () => {
      if (!map.has(key)) {
        if (glob === undefined) await this.connection.subscribe(key);
        else await this.connection.psubscribe(key);
        map.set(key, new Set());
      }
      map.get(key)!.add(listener);
    });
    return () =>
      this.#serial(async () => {
        const listeners = map.get(key);
        if (!listeners?.delete(listener) || listeners.size > 0) return;
        map.delete(key);
        if (glob === undefined) await this.connection.unsubscribe(key);
        else await this.connection.punsubscribe(key);
      });
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(step);
    this.#chain = run.catch(() => {});
    return run;
  }

  #dispatch(listeners: Set<Listener> | undefined, channelBytes: Buffer, payload: Buffer): void {
    if (!listeners || listeners.size === 0) return;
    const channel = channelBytes.toString('utf8');
    let envelope: Envelope | undefined;
    for (const listener of listeners) {
      if (!listener.matches(channel)) continue;
      envelope ??= unpackMessage(payload);
      try {
        listener.onMessage(envelope);
      } catch (err) {
        log.warn('a topic listener threw', { channel, err });
      }
    }
  }
}

/**
 * The PSUBSCRIBE glob for an AMQP-style pattern, or undefined when it has no wildcard word. Only the
 * literal words before the first wildcard are kept (`a.b.#` → `a.b*`): broad on purpose, since `#` may
 * match zero words and a glob `*` may span dots; compilePattern makes the exact decision.
 */
export function globFor(pattern: string): string | undefined {
  const words = pattern.split('.');
  const first = words.findIndex((word) => word === '*' || word === '#');
  if (first === -1) return undefined;
  return `${words.slice(0, first).join('.').replace(/[*?[\]\\]/g, '\\$&')}*`;
}
