import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChatOp, compareOps, isChatOp, opVersion, versionPrecedes } from '../../src/systems/chat/domain/chat-op.ts';
import { MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH, type ChatRequest, decide } from '../../src/systems/chat/domain/chat-rules.ts';
import { ChatState } from '../../src/systems/chat/domain/chat-state.ts';
import { LamportClock } from '../../src/systems/chat/domain/lamport-clock.ts';
import { toServerData } from '../../src/systems/chat/domain/server-data.ts';
import { parseTimestamp, toWireTimestamp } from '../../src/systems/chat/domain/timestamp.ts';

const AT = Date.UTC(2025, 9, 1, 12, 0, 0);

function login(id: string, user: string, clock: number, origin = 's1'): ChatOp {
  return { id, origin, clock, at: AT + clock, kind: 'login', user };
}
function channel(id: string, name: string, clock: number, origin = 's1'): ChatOp {
  return { id, origin, clock, at: AT + clock, kind: 'channel', channel: name };
}
function publish(id: string, user: string, name: string, message: string, clock: number, origin = 's1'): ChatOp {
  return { id, origin, clock, at: AT + clock, kind: 'publish', user, channel: name, message };
}
function direct(id: string, src: string, dst: string, message: string, clock: number, origin = 's1'): ChatOp {
  return { id, origin, clock, at: AT + clock, kind: 'message', src, dst, message };
}

/** Ops from three servers with clashing clocks: the order has to fall back on origin, then id. */
const HISTORY: ChatOp[] = [
  login('a1', 'ana', 1, 's1'),
  login('b1', 'bia', 1, 's2'),
  login('c1', 'caio', 1, 's2'),
  channel('a2', 'geral', 2, 's1'),
  channel('b2', 'geral', 2, 's3'),
  channel('b3', 'jogos', 3, 's2'),
  publish('a3', 'ana', 'geral', 'oi', 3, 's1'),
  direct('c2', 'caio', 'ana', 'olá', 3, 's3'),
  login('a4', 'bia', 4, 's1'),
  login('a0', 'ana', 0, 's3'),
  publish('b4', 'bia', 'jogos', 'bora', 5, 's2'),
];

/** A deterministic shuffle (mulberry32), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const random = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function stateOf(ops: ChatOp[]): ChatState {
  const state = new ChatState();
  for (const op of ops) state.apply(op);
  return state;
}

describe('compareOps', () => {
  it('orders by clock, then origin, then id', () => {
    assert.ok(compareOps(login('z', 'u', 1, 's9'), login('a', 'u', 2, 's1')) < 0);
    assert.ok(compareOps(login('z', 'u', 1, 's1'), login('a', 'u', 1, 's2')) < 0);
    assert.ok(compareOps(login('a', 'u', 1, 's1'), login('b', 'u', 1, 's1')) < 0);
    assert.equal(compareOps(login('a', 'u', 1, 's1'), login('a', 'x', 1, 's1')), 0);
  });

  it('is a strict total order over ops with distinct ids', () => {
    for (const a of HISTORY) {
      for (const b of HISTORY) {
        assert.equal(Math.sign(compareOps(a, b)) + Math.sign(compareOps(b, a)), 0);
        assert.equal(compareOps(a, b) === 0, a === b);
      }
    }
  });
});

describe('op versions', () => {
  it('orders two versions of one id as compareOps orders the ops, and refuses what is not a version', () => {
    const a = login('x', 'ana', 3, 's2');
    for (const b of [login('x', 'ana', 4, 's1'), login('x', 'ana', 3, 's3'), login('x', 'ana', 2, 's9'), login('x', 'ana', 3, 's2')]) {
      assert.equal(versionPrecedes(opVersion(a), b), compareOps(a, b) < 0, `${opVersion(a)} against ${opVersion(b)}`);
    }
    assert.equal(opVersion(login('x', 'ana', 12, 'node/1')), '12/node/1');
    assert.equal(versionPrecedes('1/a/b', { clock: 1, origin: 'a/c' }), true, 'an origin may hold a slash');
    assert.equal(versionPrecedes('', { clock: 5, origin: 's1' }), false);
    assert.equal(versionPrecedes('x/s1', { clock: 5, origin: 's1' }), false);
  });
});

describe('isChatOp', () => {
  it('accepts every kind of op', () => {
    for (const op of HISTORY) assert.ok(isChatOp(op), JSON.stringify(op));
    assert.ok(isChatOp(JSON.parse(JSON.stringify(HISTORY[0]))));
  });

  it('refuses anything missing a field or with a wrong type', () => {
    const good = publish('p', 'ana', 'geral', 'oi', 7) as unknown as Record<string, unknown>;
    const broken: unknown[] = [
      null, 'op', 42, [good],
      { ...good, id: '' }, { ...good, id: 7 }, { ...good, origin: undefined },
      { ...good, clock: -1 }, { ...good, clock: 1.5 }, { ...good, clock: '3' },
      { ...good, at: Number.NaN }, { ...good, at: Infinity }, { ...good, at: '2025-01-01' },
      { ...good, kind: 'delete' }, { ...good, kind: 'toString' }, { ...good, message: undefined }, { ...good, channel: 5 },
      { ...direct('d', 'a', 'b', 'm', 1), dst: null },
    ];
    for (const value of broken) assert.equal(isChatOp(value), false, JSON.stringify(value));
  });
});

describe('ChatState', () => {
  it('applies an id once', () => {
    const state = new ChatState();
    const op = login('x', 'ana', 1);
    assert.equal(state.apply(op), true);
    assert.equal(state.apply({ ...op }), false);
    assert.equal(state.apply(login('x', 'other', 2)), false, 'the id decides, not the content');
    assert.equal(state.size, 1);
    assert.ok(state.has('x'));
    assert.equal(state.hasUser('other'), false);
  });

  it('ends identical on every replica that applies the same set in any order, duplicates included', () => {
    const reference = stateOf(HISTORY);
    assert.deepEqual(reference.ops(), [...HISTORY].sort(compareOps));
    for (let seed = 1; seed <= 25; seed++) {
      const order = shuffled([...HISTORY, ...HISTORY.slice(0, seed % HISTORY.length)], seed);
      const replica = stateOf(order);
      assert.deepEqual(replica.ops(), reference.ops(), `seed ${seed}`);
      assert.deepEqual(replica.users(), reference.users(), `seed ${seed}`);
      assert.deepEqual(replica.channels(), reference.channels(), `seed ${seed}`);
      assert.equal(replica.size, HISTORY.length);
    }
  });

  it('lists users in the Lamport order of their first login, each once', () => {
    const state = stateOf(shuffled(HISTORY, 7));
    const firstLogins = new Map<string, ChatOp>();
    for (const op of [...HISTORY].sort(compareOps)) if (op.kind === 'login' && !firstLogins.has(op.user)) firstLogins.set(op.user, op);
    assert.deepEqual(state.users(), [...firstLogins.keys()]);
    assert.equal(new Set(state.users()).size, state.users().length);
  });

  it('keeps a channel created on two replicas as one channel, in creation order', () => {
    const state = stateOf(shuffled(HISTORY, 3));
    const created = [...HISTORY].sort(compareOps).flatMap((op) => (op.kind === 'channel' ? [op.channel] : []));
    assert.deepEqual(state.channels(), [...new Set(created)]);
    assert.ok(state.hasChannel('geral'));
    assert.equal(state.hasChannel('nowhere'), false);
  });

  it('knows a user only after a login, not from a message naming them', () => {
    const state = stateOf([direct('d', 'ghost', 'phantom', 'boo', 1)]);
    assert.equal(state.hasUser('ghost'), false);
    assert.equal(state.hasUser('phantom'), false);
    assert.deepEqual(state.users(), []);
  });

  it('takes any op back to exactly the state of the others, whatever the order they came in', () => {
    for (const [n, removed] of HISTORY.entries()) {
      const rest = HISTORY.filter((op) => op !== removed);
      const state = stateOf(shuffled(HISTORY, n + 1));
      assert.equal(state.remove(removed), true);
      const expected = stateOf(rest);
      assert.deepEqual(state.ops(), expected.ops(), `without ${removed.id}`);
      assert.deepEqual(state.users(), expected.users(), `users without ${removed.id}`);
      assert.deepEqual(state.channels(), expected.channels(), `channels without ${removed.id}`);
      assert.equal(state.has(removed.id), false);
      assert.equal(state.remove(removed), false, 'not held any more');
      assert.equal(state.apply(removed), true, 'and it can be applied again');
    }
    const lone = stateOf([channel('x', 'solo', 1)]);
    lone.remove(channel('x', 'solo', 1));
    assert.equal(lone.hasChannel('solo'), false, 'a name whose only op is taken back is gone');
  });

  it('puts another version of an id in the place of the one held, in its own Lamport place', () => {
    const state = stateOf(HISTORY);
    const earlier = { ...HISTORY.find((op) => op.id === 'b4')!, clock: 0, origin: 's1' };
    state.replace(earlier);
    assert.equal(state.size, HISTORY.length);
    assert.equal(state.get('b4'), earlier);
    assert.equal(state.ops()[0], earlier, 'clock 0 sorts first');
    assert.deepEqual(state.ops(), stateOf(HISTORY.map((op) => (op.id === 'b4' ? earlier : op))).ops());
  });

  it('hands out copies, so callers cannot change its state', () => {
    const state = stateOf(HISTORY);
    state.ops().pop();
    state.users().pop();
    state.channels().pop();
    assert.equal(state.ops().length, HISTORY.length);
    assert.deepEqual(state.users(), stateOf(HISTORY).users());
    assert.deepEqual(state.channels(), stateOf(HISTORY).channels());
  });
});

describe('decide', () => {
  let next = 0;
  const meta = () => ({ id: `op-${++next}`, origin: 's1', clock: next, at: AT + next });

  function accept(state: ChatState, request: ChatRequest): ChatOp {
    const decision = decide(state, request, meta());
    assert.ok(decision.ok, `expected ${JSON.stringify(request)} to be accepted, got ${JSON.stringify(decision)}`);
    state.apply(decision.op);
    return decision.op;
  }
  function reject(state: ChatState, request: ChatRequest): string {
    const decision = decide(state, request, meta());
    assert.equal(decision.ok, false, `expected ${JSON.stringify(request)} to be rejected`);
    return decision.ok ? '' : decision.reason;
  }

  it('turns a request into an op carrying the meta and the request fields', () => {
    const state = new ChatState();
    const m = meta();
    const decision = decide(state, { kind: 'login', user: 'ana' }, m);
    assert.deepEqual(decision, { ok: true, op: { ...m, kind: 'login', user: 'ana' } });
    assert.ok(decision.ok && isChatOp(decision.op));
  });

  it('accepts repeated logins', () => {
    const state = new ChatState();
    accept(state, { kind: 'login', user: 'ana' });
    accept(state, { kind: 'login', user: 'ana' });
    assert.deepEqual(state.users(), ['ana']);
    assert.equal(state.size, 2);
  });

  it('refuses a channel that already exists, naming it', () => {
    const state = new ChatState();
    accept(state, { kind: 'channel', channel: 'geral' });
    assert.match(reject(state, { kind: 'channel', channel: 'geral' }), /channel geral already exists/);
  });

  it('refuses a publication to a missing channel and says how to create it', () => {
    const state = new ChatState();
    accept(state, { kind: 'login', user: 'ana' });
    const reason = reject(state, { kind: 'publish', user: 'ana', channel: 'nowhere', message: 'oi' });
    assert.match(reason, /channel nowhere does not exist/);
    assert.match(reason, /channel service/);
    accept(state, { kind: 'channel', channel: 'nowhere' });
    const op = accept(state, { kind: 'publish', user: 'ana', channel: 'nowhere', message: 'oi' });
    assert.equal(op.kind, 'publish');
  });

  it('refuses publications and messages from a user that never logged in', () => {
    const state = new ChatState();
    accept(state, { kind: 'channel', channel: 'geral' });
    accept(state, { kind: 'login', user: 'bia' });
    assert.match(reject(state, { kind: 'publish', user: 'ana', channel: 'geral', message: 'oi' }), /ana has not logged in/);
    assert.match(reject(state, { kind: 'message', src: 'ana', dst: 'bia', message: 'oi' }), /ana has not logged in/);
  });

  it('refuses a direct message to a user that never logged in', () => {
    const state = new ChatState();
    accept(state, { kind: 'login', user: 'ana' });
    assert.match(reject(state, { kind: 'message', src: 'ana', dst: 'bia', message: 'oi' }), /user bia does not exist/);
    accept(state, { kind: 'login', user: 'bia' });
    accept(state, { kind: 'message', src: 'ana', dst: 'bia', message: 'oi' });
  });

  it('refuses bad names, naming the field', () => {
    const state = new ChatState();
    const bad = ['', '   ', 'x'.repeat(NAME_MAX_LENGTH + 1), 'tab\there', 'new\nline', 'nul\u0000', 'del\u007f', 7 as unknown as string];
    for (const name of bad) {
      assert.match(reject(state, { kind: 'login', user: name }), /^user /, JSON.stringify(name));
      assert.match(reject(state, { kind: 'channel', channel: name }), /^channel /, JSON.stringify(name));
    }
    accept(state, { kind: 'login', user: 'x'.repeat(NAME_MAX_LENGTH) });
    accept(state, { kind: 'login', user: '🦊'.repeat(NAME_MAX_LENGTH) });
    accept(state, { kind: 'login', user: 'José da Silva' });
    accept(state, { kind: 'login', user: 'bia' });
    assert.match(reject(state, { kind: 'message', src: 'bia', dst: '', message: 'oi' }), /^dst /);
    assert.match(reject(state, { kind: 'message', src: '', dst: 'bia', message: 'oi' }), /^src /);
  });

  it('refuses a name with nothing visible in it, or with a character that turns the text around it', () => {
    const state = new ChatState();
    const invisible = ['\u202e', '\u200f', '\u200b', '\u3000', '\u00a0\u2003', ' \u202e ', '\ufeff'];
    for (const name of invisible) {
      assert.match(reject(state, { kind: 'login', user: name }), /^user has nothing visible/, JSON.stringify(name));
      assert.match(reject(state, { kind: 'channel', channel: name }), /^channel has nothing visible/, JSON.stringify(name));
    }
    for (const name of ['ana\u202eedoc', '\u2067bia', 'caio\u200f']) {
      assert.match(reject(state, { kind: 'login', user: name }), /^user contains a character that reorders the text/, JSON.stringify(name));
    }
    accept(state, { kind: 'login', user: '👩\u200d💻' });
    accept(state, { kind: 'login', user: 'محمد' });
  });

  it('refuses messages with nothing visible: only whitespace, NULs or other control characters', () => {
    const state = new ChatState();
    accept(state, { kind: 'login', user: 'ana' });
    accept(state, { kind: 'channel', channel: 'geral' });
    for (const message of [' ', '   \t\n ', '\u0000', '\u0000\u0000\u0000', ' \u0000 \u200b\u202e']) {
      assert.match(reject(state, { kind: 'publish', user: 'ana', channel: 'geral', message }), /^message has nothing visible/, JSON.stringify(message));
      assert.match(reject(state, { kind: 'message', src: 'ana', dst: 'ana', message }), /^message has nothing visible/, JSON.stringify(message));
    }
    accept(state, { kind: 'publish', user: 'ana', channel: 'geral', message: ' . ' });
  });

  it('refuses empty and oversized messages', () => {
    const state = new ChatState();
    accept(state, { kind: 'login', user: 'ana' });
    accept(state, { kind: 'channel', channel: 'geral' });
    const publishing = (message: string): ChatRequest => ({ kind: 'publish', user: 'ana', channel: 'geral', message });
    assert.match(reject(state, publishing('')), /message is missing/);
    assert.match(reject(state, publishing('x'.repeat(MESSAGE_MAX_LENGTH + 1))), /message is too long/);
    assert.match(reject(state, { kind: 'message', src: 'ana', dst: 'ana', message: '' }), /message is missing/);
    accept(state, publishing('x'.repeat(MESSAGE_MAX_LENGTH)));
    accept(state, publishing('line one\nline two'));
  });

  it('refuses an unknown request kind instead of throwing', () => {
    const reason = reject(new ChatState(), { kind: 'delete' } as unknown as ChatRequest);
    assert.match(reason, /unknown request kind delete/);
  });
});

describe('LamportClock', () => {
  it('ticks up by one and returns the new value', () => {
    const clock = new LamportClock();
    assert.equal(clock.value, 0);
    const first = clock.tick();
    assert.equal(first, 1);
    assert.equal(clock.tick(), first + 1);
    assert.equal(new LamportClock(41).tick(), 42);
  });

  it('takes the max of its value and a received one, never going back', () => {
    const clock = new LamportClock(10);
    assert.equal(clock.observe(25), 25);
    assert.equal(clock.observe(3), 25);
    assert.equal(clock.value, 25);
    assert.equal(clock.tick(), 26);
  });

  it('ignores received clocks that are not non-negative integers', () => {
    const clock = new LamportClock(5);
    for (const junk of [-1, 1e3 + 0.5, Number.NaN, Infinity, '99', null, undefined, {}, 2 ** 60]) assert.equal(clock.observe(junk), 5, String(junk));
  });

  it('refuses a bad start', () => {
    assert.throws(() => new LamportClock(-1), RangeError);
    assert.throws(() => new LamportClock(0.5), RangeError);
  });
});

describe('parseTimestamp', () => {
  const instant = Date.UTC(2025, 9, 1, 12, 34, 56, 789);

  it('reads seconds, integer or float', () => {
    assert.equal(parseTimestamp(Math.floor(instant / 1000)), Math.floor(instant / 1000) * 1000);
    assert.equal(parseTimestamp(instant / 1000), instant);
  });

  it('reads milliseconds', () => {
    assert.equal(parseTimestamp(instant), instant);
  });

  it('reads decimal strings and bigints as numbers', () => {
    assert.equal(parseTimestamp(String(instant / 1000)), instant);
    assert.equal(parseTimestamp(String(instant)), instant);
    assert.equal(parseTimestamp(BigInt(instant)), instant);
  });

  it('reads ISO 8601 strings', () => {
    const iso = new Date(instant).toISOString();
    assert.equal(parseTimestamp(iso), instant);
    assert.equal(parseTimestamp(iso.replace('Z', '+00:00')), instant);
    assert.equal(parseTimestamp('2025-10-01T15:34:56.789+03:00'), instant);
    assert.equal(parseTimestamp('1971-01-01T00:00:00Z'), Date.UTC(1971, 0, 1), 'an early ISO date is not taken for seconds');
    assert.equal(parseTimestamp('2025-10-01'), Date.UTC(2025, 9, 1));
    assert.equal(parseTimestamp('2025-10-01T12:34:56'), new Date(2025, 9, 1, 12, 34, 56).getTime(), 'no offset: local time');
  });

  it('gives undefined for anything else', () => {
    for (const junk of [undefined, null, true, {}, [], '', 'yesterday', 'March 7, 2024', '2025-13-01', '12:00', '1e3', -1, Number.NaN, Infinity, 1e300, '1969-12-31T00:00:00Z']) {
      assert.equal(parseTimestamp(junk), undefined, String(junk));
    }
  });

  it('gives undefined for the epoch itself, the unset value of many clients rather than a time', () => {
    for (const junk of [0, -0, 0n, '0', '0.0', 0.0001, '1970-01-01T00:00:00Z']) {
      assert.equal(parseTimestamp(junk), undefined, String(junk));
    }
  });

  it('round-trips through the wire format', () => {
    assert.equal(parseTimestamp(toWireTimestamp(instant)), instant);
    assert.equal(toWireTimestamp(instant), instant / 1000);
  });
});

describe('toServerData', () => {
  it('has the seed shape, in Lamport order, with Unix-seconds timestamps and the ISO time beside them', () => {
    const ops = shuffled(HISTORY, 11);
    const data = toServerData(ops);
    assert.deepEqual(Object.keys(data).sort(), ['channel_messages', 'channels', 'logins', 'user_messages']);
    const sorted = [...HISTORY].sort(compareOps);
    const when = (op: ChatOp) => ({ timestamp: op.at / 1_000, timestamp_iso: new Date(op.at).toISOString() });
    assert.deepEqual(
      data.logins,
      sorted.flatMap((op) => (op.kind === 'login' ? [{ username: op.user, ...when(op) }] : [])),
    );
    assert.deepEqual(data.channels, stateOf(HISTORY).channels());
    assert.deepEqual(
      data.channel_messages,
      sorted.flatMap((op) => (op.kind === 'publish' ? [{ user: op.user, channel: op.channel, message: op.message, ...when(op) }] : [])),
    );
    assert.deepEqual(
      data.user_messages,
      sorted.flatMap((op) => (op.kind === 'message' ? [{ src: op.src, dst: op.dst, message: op.message, ...when(op) }] : [])),
    );
    for (const login of data.logins) {
      assert.equal(typeof login.timestamp, 'number', 'the course file has Unix seconds, as Python\'s time.time() gives');
      assert.ok(login.timestamp > 1e9 && login.timestamp < 1e11, `seconds, not ms: ${login.timestamp}`);
      assert.match(login.timestamp_iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    assert.deepEqual(toServerData(shuffled(HISTORY, 99)), data, 'the same set gives the same file');
  });

  it('leaves its input unsorted and gives empty lists for no ops', () => {
    const ops = shuffled(HISTORY, 5);
    const before = [...ops];
    toServerData(ops);
    assert.deepEqual(ops, before);
    assert.deepEqual(toServerData([]), { logins: [], channels: [], channel_messages: [], user_messages: [] });
  });
});
