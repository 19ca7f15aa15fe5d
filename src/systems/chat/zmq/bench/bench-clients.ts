import { ChatSession } from '../roles/chat-session.ts';
import type { TopologyEndpoints } from './bench-topology.ts';

export interface BenchClients {
  /** One per client, each logged in as its own user, each with its own REQ socket to the broker. */
  sessions: ChatSession[];
  /** Created at setup: writes publish to one, delivery to the other, so a subscriber sees only its own. */
  channels: { writes: string; delivery: string };
  close(): Promise<void>;
}

export interface BenchClientsOptions {
  endpoints: TopologyEndpoints;
  count: number;
  servers: number;
  timeoutMs: number;
  /** How long the servers may take to agree on the setup's users and channels. */
  convergeMs?: number;
}

/** A session as the bench uses it: a request without a reply in time fails, it is not resent. */
export function openBenchSession(endpoints: TopologyEndpoints, timeoutMs: number): Promise<ChatSession> {
  return ChatSession.open({ broker: endpoints.broker, proxy: endpoints.proxy, timeoutMs, retries: 0 });
}

/**
 * Opens the clients, logs each in and creates the bench channels, then waits until every server answers with
 * all of them: a publish that reached a server before the channel did would be refused.
 */
export async function openBenchClients(options: BenchClientsOptions): Promise<BenchClients> {
  const sessions: ChatSession[] = [];
  const close = async () => {
    await Promise.all(sessions.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < options.count; i++) sessions.push(await openBenchSession(options.endpoints, options.timeoutMs));
    const users = sessions.map((_, i) => `bench-${i + 1}`);
    await Promise.all(sessions.map((session, i) => session.login(users[i]!)));
    const channels = { writes: 'bench-writes', delivery: 'bench-delivery' };
    await sessions[0]!.createChannel(channels.writes);
    await sessions[0]!.createChannel(channels.delivery);
    const deadline = performance.now() + (options.convergeMs ?? 15_000);
    await untilEveryServerHas('users', () => sessions[0]!.users(), users, options.servers, deadline);
    await untilEveryServerHas('channels', () => sessions[0]!.channels(), Object.values(channels), options.servers, deadline);
    return { sessions, channels, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The broker hands consecutive requests to the servers in turn, so twice as many answers in a row as there are
 * servers, all complete, means each server has everything.
 */
async function untilEveryServerHas(what: string, ask: () => Promise<string[]>, expected: string[], servers: number, deadline: number): Promise<void> {
  let inARow = 0;
  let missing: string[] = [];
  while (inARow < 2 * servers) {
    if (performance.now() > deadline) {
      throw new Error(`the servers did not agree on the bench's ${what} in time (still missing on one: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`);
    }
    const have = new Set(await ask());
    missing = expected.filter((name) => !have.has(name));
    if (missing.length === 0) inARow++;
    else {
      inARow = 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
