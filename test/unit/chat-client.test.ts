import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../src/kit/cli/args.ts';
import { botCommand } from '../../src/systems/chat/zmq/commands/bot-command.ts';
import { clientCommand } from '../../src/systems/chat/zmq/commands/client-command.ts';
import { LamportClock } from '../../src/systems/chat/domain/lamport-clock.ts';
import { type BotSession, runChatBot } from '../../src/systems/chat/zmq/roles/chat-bot.ts';
import { ChatRequestError } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import {
  type ClientSession,
  formatPublication,
  formatTime,
  parseCommand,
  printable,
  runInteractiveClient,
} from '../../src/systems/chat/zmq/roles/interactive-client.ts';
import type { Publication } from '../../src/systems/chat/zmq/wire/publication.ts';
import { textSink } from '../helpers/text-sink.ts';

/** An in-memory chat that answers as the servers do and delivers publications to the topics subscribed. */
class InMemoryChat implements ClientSession {
  user: string | undefined;
  readonly users_: string[] = [];
  readonly channels_: string[] = [];
  readonly topics = new Set<string>();
  readonly #listeners = new Set<(p: Publication) => void>();

  async login(user: string) {
    if (!this.users_.includes(user)) this.users_.push(user);
    this.user = user;
  }
  async users() {
    return [...this.users_];
  }
  async channels() {
    return [...this.channels_];
  }
  async createChannel(channel: string) {
    if (this.channels_.includes(channel)) throw new ChatRequestError(`channel ${channel} already exists`, 'channel');
    this.channels_.push(channel);
  }
  async publish(channel: string, message: string) {
    if (!this.channels_.includes(channel)) throw new ChatRequestError(`channel ${channel} does not exist: create it with the channel service first`, 'publish');
    this.deliver({ topic: channel, payload: { user: this.user, channel, message, timestamp: Date.now() / 1000, clock: 1 } });
  }
  async message(dst: string, message: string) {
    if (!this.users_.includes(dst)) throw new ChatRequestError(`user ${dst} does not exist`, 'message');
    this.deliver({ topic: dst, payload: { from: this.user, message, timestamp: Date.now() / 1000, clock: 1 } });
  }
  subscribe(topic: string) {
    this.topics.add(topic);
  }
  unsubscribe(topic: string) {
    this.topics.delete(topic);
  }
  onPublication(listener: (p: Publication) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** What the proxy would hand a subscriber: only topics it follows. */
  deliver(publication: Publication) {
    if (!this.topics.has(publication.topic)) return;
    for (const listener of this.#listeners) listener(publication);
  }
}


/** Types `lines` into a client and returns everything it printed. */
async function session(lines: string[], chat = new InMemoryChat(), options: { user?: string } = {}): Promise<string> {
  const input = new PassThrough();
  const output = textSink();
  const done = runInteractiveClient({ session: chat, input, output, terminal: false, user: options.user });
  input.end(lines.map((line) => `${line}\n`).join(''));
  await done;
  return output.text;
}

const TIME = /\d{2}:\d{2}:\d{2}/;

describe('chat client: parsing what is typed', () => {
  it('reads every command with its arguments', () => {
    assert.deepEqual(parseCommand('/login ana'), { kind: 'login', user: 'ana' });
    assert.deepEqual(parseCommand('  /users  '), { kind: 'users' });
    assert.deepEqual(parseCommand('/channels'), { kind: 'channels' });
    assert.deepEqual(parseCommand('/channel geral'), { kind: 'create', channel: 'geral' });
    assert.deepEqual(parseCommand('/join geral'), { kind: 'join', channel: 'geral' });
    assert.deepEqual(parseCommand('/leave geral'), { kind: 'leave', channel: 'geral' });
    assert.deepEqual(parseCommand('/pub geral olá   a todos '), { kind: 'publish', channel: 'geral', text: 'olá   a todos' });
    assert.deepEqual(parseCommand('/msg bob oi, tudo bem?'), { kind: 'message', user: 'bob', text: 'oi, tudo bem?' });
    assert.deepEqual(parseCommand('/help'), { kind: 'help' });
    assert.deepEqual(parseCommand('/quit'), { kind: 'quit' });
    assert.deepEqual(parseCommand('/LOGIN ana'), { kind: 'login', user: 'ana' });
  });

  it('takes plain text as a message to the current channel, and blank lines as nothing', () => {
    assert.deepEqual(parseCommand('bom dia'), { kind: 'say', text: 'bom dia' });
    assert.deepEqual(parseCommand('   '), { kind: 'nothing' });
  });

  it('says how to write a command that is missing its arguments or unknown', () => {
    for (const [line, usage] of [
      ['/login', '/login <name>'],
      ['/login ana maria', '/login <name>'],
      ['/channel', '/channel <name>'],
      ['/join', '/join <channel>'],
      ['/leave', '/leave <channel>'],
      ['/pub geral', '/pub <channel> <text>'],
      ['/msg bob', '/msg <user> <text>'],
    ] as const) {
      const command = parseCommand(line);
      assert.equal(command.kind, 'mistake', line);
      assert.ok(command.kind === 'mistake' && command.problem.includes(usage), `${line}: ${JSON.stringify(command)}`);
    }
    const unknown = parseCommand('/dance');
    assert.ok(unknown.kind === 'mistake' && unknown.problem.includes('/dance') && unknown.problem.includes('/help'));
  });
});

describe('chat client: formatting', () => {
  const at = new Date(2025, 9, 14, 9, 5, 7).getTime();

  it('shows a channel publication with its time, channel, author and text', () => {
    const line = formatPublication({ topic: 'geral', payload: { user: 'ana', channel: 'geral', message: 'olá', timestamp: at / 1000, clock: 3 } });
    assert.equal(line, `${formatTime(at)} [#geral] ana: olá`);
    assert.equal(formatTime(at), '09:05:07');
  });

  it('shows a direct message as [dm] with the sender', () => {
    const line = formatPublication({ topic: 'ana', payload: { from: 'bob', message: 'oi', timestamp: at, clock: 9 } });
    assert.equal(line, `${formatTime(at)} [dm] bob: oi`);
  });

  it('takes the time from an ISO timestamp, and the local time when there is none', () => {
    const iso = formatPublication({ topic: 'geral', payload: { user: 'ana', message: 'x', timestamp: new Date(at).toISOString() } });
    assert.ok(iso.startsWith(formatTime(at)), iso);
    const now = new Date(2025, 0, 1, 23, 59, 1).getTime();
    assert.ok(formatPublication({ topic: 'geral', payload: { user: 'ana', message: 'x' } }, now).startsWith('23:59:01 [#geral]'));
  });

  it('blanks control characters, so that a message cannot move the cursor or clear the screen', () => {
    assert.equal(printable('a\x1b[2Jb\nc\x07'), 'a [2Jb c ');
    const line = formatPublication({ topic: 'geral', payload: { user: 'e\x1bvil', message: 'hi\r\nthere', timestamp: at } });
    assert.ok([...line].every((char) => char.charCodeAt(0) >= 0x20), JSON.stringify(line));
  });
});

describe('chat client: a session through streams', () => {
  it('logs in, creates and joins a channel, and shows its own publication live', async () => {
    const chat = new InMemoryChat();
    const out = await session(['/login ana', '/channel geral', '/join geral', 'olá pessoal', '/pub geral segunda'], chat);
    assert.match(out, /logged in as ana/);
    assert.match(out, /channel geral created/);
    assert.match(out, /joined #geral/);
    assert.match(out, new RegExp(`${TIME.source} \\[#geral\\] ana: olá pessoal`));
    assert.match(out, new RegExp(`${TIME.source} \\[#geral\\] ana: segunda`));
    assert.deepEqual([...chat.topics].sort(), ['ana', 'geral'], 'it follows its own name and the channel joined');
  });

  it('follows its own name after login, so direct messages show as [dm]', async () => {
    const chat = new InMemoryChat();
    await chat.login('bob');
    const out = await session(['/login ana', '/msg ana nota para mim', '/msg bob oi bob'], chat);
    assert.match(out, new RegExp(`${TIME.source} \\[dm\\] ana: nota para mim`));
    assert.match(out, /\[dm → bob\] ana: oi bob/, 'a message to someone else is shown as sent');
  });

  it('logs in at start with --user', async () => {
    const chat = new InMemoryChat();
    const out = await session(['/users'], chat, { user: 'carla' });
    assert.match(out, /logged in as carla/);
    assert.match(out, /users \(1\): carla/);
    assert.ok(chat.topics.has('carla'));
  });

  it('lists users and channels, marking the ones joined', async () => {
    const chat = new InMemoryChat();
    const out = await session(['/channels', '/login ana', '/channel geral', '/channel esportes', '/join esportes', '/channels', '/users'], chat);
    assert.match(out, /no channels yet: create one with \/channel <name>/);
    assert.match(out, /channels \(2\): geral, \*esportes/);
    assert.match(out, /users \(1\): ana/);
  });

  it('says what to do next when something is out of order', async () => {
    const chat = new InMemoryChat();
    chat.channels_.push('geral');
    const out = await session(['/pub geral oi', '/msg bob oi', 'oi', '/join nada', '/leave geral', '/dance'], chat);
    assert.equal(out.match(/log in first: \/login <name>/g)?.length, 2, out);
    assert.match(out, /join a channel first: \/join <channel>/);
    assert.match(out, /channel nada does not exist: create it with \/channel nada/);
    assert.match(out, /you have not joined geral/);
    assert.match(out, /unknown command \/dance: \/help lists them/);
  });

  it("shows the server's reason when it refuses", async () => {
    const out = await session(['/login ana', '/channel geral', '/channel geral', '/pub nada oi', '/msg ninguem oi']);
    assert.match(out, /channel refused: channel geral already exists/);
    assert.match(out, /publish refused: channel nada does not exist/);
    assert.match(out, /message refused: user ninguem does not exist/);
  });

  it('stops following a channel it leaves, and plain text then goes to the one joined before', async () => {
    const chat = new InMemoryChat();
    const out = await session(['/login ana', '/channel a', '/channel b', '/join a', '/join b', '/leave b', 'para a'], chat);
    assert.match(out, /left #b; plain text goes to #a/);
    assert.match(out, /\[#a\] ana: para a/);
    assert.ok(!chat.topics.has('b'));
  });

  it('shows /help and stops at /quit without reading further', async () => {
    const chat = new InMemoryChat();
    const out = await session(['/help', '/quit', '/login ana'], chat);
    for (const command of ['/login', '/users', '/channels', '/channel', '/join', '/leave', '/pub', '/msg', '/quit']) assert.ok(out.includes(command), command);
    assert.equal(chat.user, undefined, 'nothing after /quit ran');
  });

  it('on a terminal, prints a publication above the prompt and draws the prompt again', async () => {
    const chat = new InMemoryChat();
    const input = new PassThrough();
    const output = textSink();
    const done = runInteractiveClient({ session: chat, input, output, terminal: true });
    input.write('/login ana\n');
    await waitUntil(() => output.text.includes('logged in as ana'));
    await waitUntil(() => output.text.includes('ana> '));
    output.text = '';
    chat.deliver({ topic: 'ana', payload: { from: 'bob', message: 'oi', timestamp: Date.now() / 1000 } });
    const shown = output.text;
    const at = shown.indexOf('[dm] bob: oi');
    assert.ok(at > 0, JSON.stringify(shown));
    assert.ok(shown.slice(0, at).includes('\x1b[2K'), 'the prompt line is cleared first');
    assert.ok(shown.slice(at).includes('ana> '), 'the prompt comes back after');
    input.end();
    await done;
  });
  it('on Ctrl-C while a request waits, abandons it at once and stops', { timeout: 5_000 }, async () => {
    const chat = new InMemoryChat();
    let abandon: () => void = () => {};
    const hanging = new Promise<string[]>((_, reject) => (abandon = () => reject(new Error('the session was closed'))));
    chat.users = () => hanging;
    let abandoned = 0;
    const input = new PassThrough();
    const output = textSink();
    const done = runInteractiveClient({ session: chat, input, output, terminal: true, abandon: () => (abandoned++, abandon()) });
    input.write('/users\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    input.write('\x03');
    await done;
    assert.equal(abandoned, 1);
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), 'gave up waiting');
}

describe('chat bot: batches and pauses', () => {
  /** The in-memory chat as a bot's session, noting when each publication was accepted. */
  function botChat() {
    const chat = Object.assign(new InMemoryChat(), { clock: new LamportClock() });
    const publishedAt: number[] = [];
    const publish = chat.publish.bind(chat);
    chat.publish = async (channel: string, message: string) => {
      await new Promise((resolve) => setImmediate(resolve)); // a reply comes in a later turn, as from a socket
      await publish(channel, message);
      publishedAt.push(performance.now());
    };
    return { session: chat as unknown as BotSession, publishedAt };
  }

  it('pauses between two batches of 10 for the time it is given, and not within a batch', async () => {
    const { session, publishedAt } = botChat();
    const summary = await runChatBot({ session, intervalMs: 0, pauseMs: { min: 300, max: 300 }, messages: 25, newChannelChance: 0, summaryEveryMs: 0 });
    assert.equal(summary.sent, 25);
    const gaps = publishedAt.slice(1).map((at, n) => at - publishedAt[n]!);
    const paused = gaps.flatMap((gap, n) => (gap >= 290 ? [n + 1] : []));
    assert.deepEqual(paused, [10, 20], `a pause after the 10th and the 20th publish only; gaps: ${gaps.map((gap) => gap.toFixed(0)).join(', ')}`);
  });

  it('pauses the course\'s 5 to 10 s between batches unless told otherwise', async () => {
    const { session, publishedAt } = botChat();
    const stop = new AbortController();
    const running = runChatBot({ session, intervalMs: 0, newChannelChance: 0, summaryEveryMs: 0, signal: stop.signal });
    await waitUntil(() => publishedAt.length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    stop.abort();
    const summary = await running;
    assert.equal(summary.sent, 10, 'one batch, then a pause of at least 5 s');
  });

  it('sends batch after batch without pausing at pause 0', async () => {
    const { session } = botChat();
    const summary = await runChatBot({ session, intervalMs: 0, pauseMs: { min: 0, max: 0 }, messages: 40, newChannelChance: 0, summaryEveryMs: 0 });
    assert.equal(summary.sent, 40);
  });
});

describe('chat client and bot: command lines', () => {
  const io = () => ({ stdout: textSink(), stderr: textSink() });

  it('print their help', async () => {
    const client = io();
    assert.equal(await clientCommand(['--help'], client), 0);
    assert.match(client.stdout.text, /--broker URL.*\n.*--proxy URL.*\n.*--user NAME/);
    const bot = io();
    assert.equal(await botCommand(['--help'], bot), 0);
    for (const flag of ['--broker', '--proxy', '--interval', '--pause', '--channels', '--messages']) assert.ok(bot.stdout.text.includes(flag), flag);
  });

  it('refuse what they cannot use, saying what to write instead', async () => {
    const refusals: Array<[typeof clientCommand, string[], RegExp]> = [
      [clientCommand, ['--broker', 'localhost'], /--broker takes a ZeroMQ endpoint such as tcp:\/\/127.0.0.1:5555/],
      [clientCommand, ['--user', 'ana maria'], /--user takes one word/],
      [clientCommand, ['--colour'], /colour/],
      [botCommand, ['--interval', 'fast'], /--interval "fast" is not a duration/],
      [botCommand, ['--messages', '0'], /--messages takes a number above 0/],
      [botCommand, ['--pause', 'long'], /--pause takes a duration or a range of two, as in 5s-10s or 0/],
      [botCommand, ['--pause', '10s-5s'], /--pause 10s-5s: the range must go up/],
      [botCommand, ['--channels', 'geral,,esportes'], /--channels takes names separated by commas/],
      [botCommand, ['--proxy', 'tcp://127.0.0.1:99999'], /--proxy takes a ZeroMQ endpoint/],
    ];
    for (const [command, argv, reason] of refusals) {
      await assert.rejects(command(argv, io()), (err: unknown) => err instanceof UsageError && reason.test(err.message), argv.join(' '));
    }
  });
});
