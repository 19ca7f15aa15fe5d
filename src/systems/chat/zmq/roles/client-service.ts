import { randomUUID } from 'node:crypto';
import type { ChatOp } from '../../domain/chat-op.ts';
import { decide } from '../../domain/chat-rules.ts';
import type { ChatState } from '../../domain/chat-state.ts';
import { parseTimestamp, toWireTimestamp } from '../../domain/timestamp.ts';
import { type ChatMessage, WireError, decodeChatMessage, encodeChatMessage } from '../wire/chat-message.ts';
import { CLIENT_SERVICES, isClientService, parseWriteRequest, requestId } from '../wire/chat-request.ts';
import type { PublicationSender } from './publication-sender.ts';
import type { Replicator } from './replicator.ts';
import type { ServerContext } from './server-context.ts';

export interface ClientServiceParts {
  ctx: ServerContext;
  state: ChatState;
  replicator: Replicator;
  publications: PublicationSender;
  maxMessageBytes: number;
  /** Called once per request handled, for the Berkeley rounds' count. */
  onHandled: () => void;
}

/** The course's six services, as a server answers them: one frame in, one frame out, never a throw. */
export class ClientService {
  /** Writes still reaching the peers, by id: a retry that arrives meanwhile waits for the same outcome. */
  readonly #committing = new Map<string, Promise<unknown>>();

  constructor(private readonly parts: ClientServiceParts) {}

  async handle(frame: Uint8Array): Promise<Buffer> {
    let message: ChatMessage;
    try {
      message = decodeChatMessage(frame, this.parts.maxMessageBytes);
    } catch (err) {
      const reason = err instanceof WireError ? err.message : 'the request could not be read';
      return encodeChatMessage(this.#erro('erro', reason));
    }
    this.parts.ctx.observe(message);
    try {
      return encodeChatMessage(await this.#answer(message));
    } catch (err) {
      return encodeChatMessage(this.#erro(message.service, `the server failed to handle ${message.service}: ${(err as Error).message}; try again`));
    } finally {
      this.parts.onHandled();
    }
  }

  async #answer({ service, data }: ChatMessage): Promise<ChatMessage> {
    const { ctx, state } = this.parts;
    if (!isClientService(service)) return this.#erro(service, `unknown service "${service}": use ${CLIENT_SERVICES.join(', ')}`);
    if (service === 'users') return ctx.stamp('users', { users: state.users() });
    if (service === 'channels') {
      // The course's text names the list `users` here: a client written from it reads that field.
      const channels = state.channels();
      return ctx.stamp('channels', { channels, users: channels });
    }

    const request = parseWriteRequest(service, data);
    if (typeof request === 'string') return this.#erro(service, request);
    const id = requestId(data);
    if (id instanceof Error) return this.#erro(service, id.message);
    const at = data.timestamp === undefined ? ctx.physical.now() : parseTimestamp(data.timestamp);
    if (at === undefined) return this.#erro(service, 'data.timestamp must be a time after the epoch: seconds or milliseconds since it, or an ISO 8601 string (0 is no time)');
    if (id !== undefined && state.has(id)) {
      await this.#committing.get(id); // a retry of a write already applied: OK once the first attempt is replicated
      return this.#ok(service);
    }

    const decision = decide(state, request, { id: id ?? randomUUID(), origin: ctx.name, clock: ctx.clock.tick(), at });
    if (!decision.ok) return this.#erro(service, decision.reason);
    const committed = this.parts.replicator.commit(decision.op, () => this.#publish(decision.op));
    this.#committing.set(decision.op.id, committed);
    try {
      await committed;
    } finally {
      this.#committing.delete(decision.op.id);
    }
    return this.#ok(service);
  }

  #publish(op: ChatOp): void {
    const { ctx, publications } = this.parts;
    const timestamp = toWireTimestamp(op.at);
    if (op.kind === 'publish') {
      publications.publish(op.channel, { user: op.user, channel: op.channel, message: op.message, timestamp, clock: ctx.clock.tick(), id: op.id });
    } else if (op.kind === 'message') {
      publications.publish(op.dst, { from: op.src, message: op.message, timestamp, clock: ctx.clock.tick(), id: op.id });
    }
  }

  #ok(service: string): ChatMessage {
    const status = service === 'publish' || service === 'message' ? 'OK' : 'sucesso';
    return this.parts.ctx.stamp(service, { status });
  }

  /** The course puts the reason in `description` for login/channel and in `message` for publish/message; both are set. */
  #erro(service: string, reason: string): ChatMessage {
    return this.parts.ctx.stamp(service, { status: 'erro', description: reason, message: reason });
  }
}
