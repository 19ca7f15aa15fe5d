import type { ChatOp } from './chat-op.ts';
import type { ChatState } from './chat-state.ts';

export type ChatRequest =
  | { kind: 'login'; user: string }
  | { kind: 'channel'; channel: string }
  | { kind: 'publish'; user: string; channel: string; message: string }
  | { kind: 'message'; src: string; dst: string; message: string };

export type Decision = { ok: true; op: ChatOp } | { ok: false; reason: string };

export const NAME_MAX_LENGTH = 64;
export const MESSAGE_MAX_LENGTH = 4096;

const CONTROL_CHARACTER = /\p{Cc}/u;
/** A character that shows: not whitespace, not a control (NUL…) or format character (a right-to-left mark…). */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;
/** The marks, embeddings, overrides and isolates that change the order in which the text around them shows. */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Why `value` is no valid name for `field`, or undefined when it is one. */
function nameProblem(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${field} is missing: send a non-empty name`;
  if (characters(value) > NAME_MAX_LENGTH) return `${field} is too long: a name has at most ${NAME_MAX_LENGTH} characters`;
  if (CONTROL_CHARACTER.test(value)) return `${field} contains control characters: send printable text only`;
  if (!VISIBLE.test(value)) return `${field} has nothing visible, only spaces or invisible characters: send a name people can read`;
  if (BIDI_CONTROL.test(value)) return `${field} contains a character that reorders the text around it (a right-to-left mark or override): send the name without it`;
  return undefined;
}

function messageProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'message is missing: send non-empty text';
  if (!VISIBLE.test(value)) return 'message has nothing visible, only whitespace, NULs or other invisible characters: send some text';
  if (characters(value) > MESSAGE_MAX_LENGTH) return `message is too long: send at most ${MESSAGE_MAX_LENGTH} characters`;
  return undefined;
}

function loggedInProblem(state: ChatState, user: string): string | undefined {
  return state.hasUser(user) ? undefined : `user ${user} has not logged in: log in with the login service first`;
}

function problem(state: ChatState, request: ChatRequest): string | undefined {
  switch (request.kind) {
    case 'login':
      return nameProblem('user', request.user);
    case 'channel':
      return nameProblem('channel', request.channel) ?? (state.hasChannel(request.channel) ? `channel ${request.channel} already exists` : undefined);
    case 'publish':
      return (
        nameProblem('user', request.user) ??
        nameProblem('channel', request.channel) ??
        messageProblem(request.message) ??
        loggedInProblem(state, request.user) ??
        (state.hasChannel(request.channel) ? undefined : `channel ${request.channel} does not exist: create it with the channel service first`)
      );
    case 'message':
      return (
        nameProblem('src', request.src) ??
        nameProblem('dst', request.dst) ??
        messageProblem(request.message) ??
        loggedInProblem(state, request.src) ??
        (state.hasUser(request.dst) ? undefined : `user ${request.dst} does not exist: they must log in before they can receive messages`)
      );
    default:
      return `unknown request kind ${String((request as { kind: unknown }).kind)}`;
  }
}

/** The op a request becomes, or why it is refused. A login is always accepted, again and again. */
export function decide(state: ChatState, request: ChatRequest, meta: { id: string; origin: string; clock: number; at: number }): Decision {
  const reason = problem(state, request);
  if (reason !== undefined) return { ok: false, reason };
  const { id, origin, clock, at } = meta;
  switch (request.kind) {
    case 'login':
      return { ok: true, op: { id, origin, clock, at, kind: 'login', user: request.user } };
    case 'channel':
      return { ok: true, op: { id, origin, clock, at, kind: 'channel', channel: request.channel } };
    case 'publish':
      return { ok: true, op: { id, origin, clock, at, kind: 'publish', user: request.user, channel: request.channel, message: request.message } };
    case 'message':
      return { ok: true, op: { id, origin, clock, at, kind: 'message', src: request.src, dst: request.dst, message: request.message } };
  }
}
