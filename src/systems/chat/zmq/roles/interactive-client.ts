import { clearLine, createInterface, cursorTo } from 'node:readline';
import { parseTimestamp } from '../../domain/timestamp.ts';
import type { Publication } from '../wire/publication.ts';
import { ChatRequestError } from './chat-session.ts';

/** One line typed at the client, understood. */
export type ClientCommand =
  | { kind: 'login'; user: string }
  | { kind: 'users' }
  | { kind: 'channels' }
  | { kind: 'create'; channel: string }
  | { kind: 'join'; channel: string }
  | { kind: 'leave'; channel: string }
  | { kind: 'publish'; channel: string; text: string }
  | { kind: 'message'; user: string; text: string }
  /** Plain text: published to the channel joined last. */
  | { kind: 'say'; text: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'nothing' }
  | { kind: 'mistake'; problem: string };

export const CLIENT_HELP = `commands:
  /login <name>          log in; direct messages to <name> then show here as [dm]
  /users                 everyone who has logged in
  /channels              every channel (* marks the ones you joined)
  /channel <name>        create a channel
  /join <channel>        follow a channel; plain text then goes to it
  /leave <channel>       stop following a channel
  /pub <channel> <text>  publish to a channel
  /msg <user> <text>     send a direct message
  /help                  this list
  /quit                  leave (Ctrl-D or Ctrl-C too)
  <text>                 publish to the channel you joined last
`;

/** What the terminal client needs of a ChatSession (a ChatSession is one). */
export interface ClientSession {
  readonly user: string | undefined;
  login(user: string): Promise<unknown>;
  users(): Promise<string[]>;
  channels(): Promise<string[]>;
  createChannel(channel: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  message(dst: string, message: string): Promise<unknown>;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  onPublication(listener: (publication: Publication) => void): () => void;
}

export interface InteractiveClientOptions {
  session: ClientSession;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Logs in as this user before reading the first line. */
  user?: string;
  /** Prompt and line editing; by default when the output is a terminal. */
  terminal?: boolean;
  /** Called on Ctrl-C while a request waits, so it is abandoned at once instead of after its retries. */
  abandon?: () => void;
}

const ONE_WORD = /^\S+$/;

/** Reads one typed line; never throws: a malformed line is a `mistake` that says how to write it. */
export function parseCommand(line: string): ClientCommand {
  const text = line.trim();
  if (text === '') return { kind: 'nothing' };
  if (!text.startsWith('/')) return { kind: 'say', text };
  const [name = '', ...words] = text.slice(1).split(/\s+/);
  const rest = text.slice(1 + name.length).trim();
  const argument = (usage: string): string | { problem: string } => {
    if (rest === '') return { problem: `say which: ${usage}` };
    if (!ONE_WORD.test(rest)) return { problem: `names are one word: ${usage}` };
    return rest;
  };
  switch (name.toLowerCase()) {
    case 'login': {
      const user = argument('/login <name>');
      return typeof user === 'string' ? { kind: 'login', user } : { kind: 'mistake', ...user };
    }
    case 'users':
      return { kind: 'users' };
    case 'channels':
      return { kind: 'channels' };
    case 'channel': {
      const channel = argument('/channel <name>');
      return typeof channel === 'string' ? { kind: 'create', channel } : { kind: 'mistake', ...channel };
    }
    case 'join': {
      const channel = argument('/join <channel>');
      return typeof channel === 'string' ? { kind: 'join', channel } : { kind: 'mistake', ...channel };
    }
    case 'leave': {
      const channel = argument('/leave <channel>');
      return typeof channel === 'string' ? { kind: 'leave', channel } : { kind: 'mistake', ...channel };
    }
    case 'pub': {
      const [channel] = words;
      const message = channel === undefined ? '' : rest.slice(channel.length).trim();
      if (channel === undefined || message === '') return { kind: 'mistake', problem: 'say where and what: /pub <channel> <text>' };
      return { kind: 'publish', channel, text: message };
    }
    case 'msg': {
      const [user] = words;
      const message = user === undefined ? '' : rest.slice(user.length).trim();
      if (user === undefined || message === '') return { kind: 'mistake', problem: 'say to whom and what: /msg <user> <text>' };
      return { kind: 'message', user, text: message };
    }
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    default:
      return { kind: 'mistake', problem: `unknown command /${name}: /help lists them` };
  }
}

/** HH:MM:SS in local time. */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A publication as one line: `12:04:05 [#geral] ana: hello`, or `12:04:05 [dm] bob: hi` for a direct message. */
export function formatPublication(publication: Publication, now = Date.now()): string {
  const { topic, payload } = publication;
  const time = formatTime(parseTimestamp(payload.timestamp) ?? now);
  const message = printable(payload.message);
  const from = payload.from ?? payload.src;
  if (typeof from === 'string') return `${time} [dm] ${printable(from)}: ${message}`;
  const channel = typeof payload.channel === 'string' ? payload.channel : topic;
  return `${time} [#${printable(channel)}] ${printable(payload.user ?? '?')}: ${message}`;
}

/** Text from others with control characters blanked, so that nobody can move the cursor or clear our screen. */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += code < 0x20 || (code >= 0x7f && code < 0xa0) ? ' ' : char;
  }
  return out;
}

/**
 * The terminal client: reads commands from `input` until /quit or the end of input, shows replies and,
 * live, every publication on the topics it follows. It does not close the session.
 */
export async function runInteractiveClient(options: InteractiveClientOptions): Promise<void> {
  const client = new TerminalClient(options);
  await client.run();
}

class TerminalClient {
  readonly #session: ClientSession;
  readonly #output: NodeJS.WritableStream;
  readonly #terminal: boolean;
  readonly #options: InteractiveClientOptions;
  readonly #rl;
  /** Channels followed, the one plain text goes to last. */
  readonly #joined: string[] = [];
  #busy = false;

  constructor(options: InteractiveClientOptions) {
    this.#options = options;
    this.#session = options.session;
    this.#output = options.output;
    this.#terminal = options.terminal ?? (options.output as { isTTY?: boolean }).isTTY === true;
    // Without a terminal nothing but our own lines goes to the output: no prompt, no echo.
    this.#rl = createInterface({ input: options.input, output: this.#terminal ? options.output : undefined, terminal: this.#terminal });
  }

  async run(): Promise<void> {
    // Taken before anything is awaited: lines typed (or piped) during the first login wait their turn.
    const lines = this.#rl[Symbol.asyncIterator]();
    const stopListening = this.#session.onPublication((publication) => this.#show(formatPublication(publication)));
    this.#rl.on('SIGINT', () => {
      this.#rl.close();
      if (this.#busy) this.#options.abandon?.();
    });
    try {
      if (this.#options.user !== undefined) await this.#execute({ kind: 'login', user: this.#options.user });
      else this.#print('type /login <name> to start, /help for every command');
      this.#prompt();
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        const command = parseCommand(next.value);
        if (command.kind === 'quit') break;
        this.#busy = true;
        try {
          await this.#execute(command);
        } finally {
          this.#busy = false;
        }
        this.#prompt();
      }
    } finally {
      stopListening();
      this.#rl.close();
    }
  }

  async #execute(command: ClientCommand): Promise<void> {
    try {
      await this.#dispatch(command);
    } catch (err) {
      this.#print(this.#describe(err));
    }
  }

  async #dispatch(command: ClientCommand): Promise<void> {
    const session = this.#session;
    switch (command.kind) {
      case 'nothing':
      case 'quit':
        return;
      case 'mistake':
        return this.#print(command.problem);
      case 'help':
        return this.#print(CLIENT_HELP.trimEnd());
      case 'login': {
        const previous = session.user;
        await session.login(command.user);
        if (previous !== undefined && previous !== command.user && !this.#joined.includes(previous)) session.unsubscribe(previous);
        session.subscribe(command.user);
        this.#updatePrompt();
        return this.#print(`logged in as ${command.user}; direct messages to you show as [dm]. /channels lists channels, /join <channel> follows one`);
      }
      case 'users': {
        const users = await session.users();
        return this.#print(users.length === 0 ? 'nobody has logged in yet' : `users (${users.length}): ${users.join(', ')}`);
      }
      case 'channels': {
        const channels = await session.channels();
        if (channels.length === 0) return this.#print('no channels yet: create one with /channel <name>');
        const marked = channels.map((channel) => (this.#joined.includes(channel) ? `*${channel}` : channel));
        return this.#print(`channels (${channels.length}): ${marked.join(', ')}`);
      }
      case 'create':
        await session.createChannel(command.channel);
        return this.#print(`channel ${command.channel} created: /join ${command.channel} to follow it`);
      case 'join': {
        const channels = await session.channels();
        if (!channels.includes(command.channel)) return this.#print(`channel ${command.channel} does not exist: create it with /channel ${command.channel}, or see /channels`);
        this.#forget(command.channel);
        this.#joined.push(command.channel);
        session.subscribe(command.channel);
        this.#updatePrompt();
        return this.#print(`joined #${command.channel}: plain text now goes there`);
      }
      case 'leave': {
        if (!this.#joined.includes(command.channel)) return this.#print(`you have not joined ${command.channel}: /join ${command.channel} first`);
        this.#forget(command.channel);
        if (command.channel !== session.user) session.unsubscribe(command.channel);
        this.#updatePrompt();
        const current = this.#current();
        return this.#print(`left #${command.channel}` + (current ? `; plain text goes to #${current}` : ''));
      }
      case 'say': {
        const channel = this.#current();
        if (channel === undefined) return this.#print('join a channel first: /join <channel> (see /channels), or use /pub <channel> <text>');
        return this.#publish(channel, command.text);
      }
      case 'publish':
        return this.#publish(command.channel, command.text);
      case 'message':
        if (!this.#loggedIn()) return;
        await session.message(command.user, command.text);
        // A direct message to someone else never comes back to us: show it as sent.
        if (command.user !== session.user) this.#print(`${formatTime(Date.now())} [dm → ${command.user}] ${session.user}: ${printable(command.text)}`);
        return;
    }
  }

  async #publish(channel: string, text: string): Promise<void> {
    if (!this.#loggedIn()) return;
    await this.#session.publish(channel, text);
    // A followed channel brings the message back; anywhere else, say it went out.
    if (!this.#joined.includes(channel)) this.#print(`published to #${channel} (/join ${channel} to see the channel)`);
  }

  #loggedIn(): boolean {
    if (this.#session.user !== undefined) return true;
    this.#print('log in first: /login <name>');
    return false;
  }

  #current(): string | undefined {
    return this.#joined[this.#joined.length - 1];
  }

  #forget(channel: string): void {
    const at = this.#joined.indexOf(channel);
    if (at >= 0) this.#joined.splice(at, 1);
  }

  #describe(err: unknown): string {
    if (err instanceof ChatRequestError) return `${err.service} refused: ${err.reason}`;
    return `failed: ${err instanceof Error ? err.message : String(err)}`;
  }

  #updatePrompt(): void {
    const user = this.#session.user ?? '';
    const channel = this.#current();
    this.#rl.setPrompt(`${user}${channel ? ` #${channel}` : ''}> `);
  }

  #prompt(): void {
    if (this.#terminal) this.#rl.prompt(true);
  }

  /** A reply to the command typed: the prompt comes back once the command is done. */
  #print(text: string): void {
    this.#output.write(`${text}\n`);
  }

  /** A publication, at any time: above the prompt and whatever is half typed, which are drawn again. */
  #show(line: string): void {
    if (!this.#terminal) return void this.#output.write(`${line}\n`);
    const stream = this.#output as NodeJS.WritableStream & NodeJS.WriteStream;
    clearLine(stream, 0);
    cursorTo(stream, 0);
    stream.write(`${line}\n`);
    if (!this.#busy) this.#rl.prompt(true);
  }
}
