import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../../kit/store/atomic-file.ts';

export interface RegisteredServer {
  name: string;
  rank: number;
  /** The server's peer endpoint, tcp://host:port, when it said. */
  address?: string;
}

/**
 * Ranks handed out to server names, 1, 2, 3… in order of first contact, with each one's address and when it was
 * last heard from. With a state file, all of it outlives a restart: the file is rewritten, whole and atomically,
 * whenever a name is ranked or an address changes, and otherwise at most every half staleAfterMs while servers
 * are heard from, so that a reference started again lists at once the servers it heard from lately (and not
 * those of a topology long gone, whose addresses may now belong to something else).
 */
export class ServerRegistry {
  readonly #servers = new Map<string, RegisteredServer & { lastSeen: number }>();
  /** The state file's servers that were live when it was last written, not yet heard from since this start. */
  readonly #unheard = new Set<string>();
  #savedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly staleAfterMs: number,
    private readonly statePath?: string,
    private readonly startedAt = Date.now(),
  ) {
    if (statePath && existsSync(statePath)) {
      const servers = readState(statePath);
      const lastWritten = Math.max(...servers.map((server) => server.lastSeen));
      for (const server of servers) {
        this.#servers.set(server.name, server);
        if (lastWritten - server.lastSeen <= staleAfterMs) this.#unheard.add(server.name);
      }
    }
  }

  /**
   * How many servers that were live when the state file was last written have not been heard from since this
   * start, during the first staleAfterMs (after that, those not heard from are taken as gone): while it is above
   * 0, `list` may lack live servers, and a server that is starting waits before it takes the list as its peers.
   */
  awaiting(at: number): number {
    return at - this.startedAt <= this.staleAfterMs ? this.#unheard.size : 0;
  }

  /**
   * The name's rank, new if the name is (the `claimed` one when no other name holds it); records the address when
   * given and counts as being heard from.
   */
  rank(name: string, address: string | undefined, at: number, claimed?: number): number {
    let server = this.#servers.get(name);
    let changed = false;
    if (!server) {
      const free = claimed !== undefined && ![...this.#servers.values()].some((other) => other.rank === claimed);
      server = { name, rank: free ? claimed : this.#nextRank(), lastSeen: at };
      this.#servers.set(name, server);
      changed = true;
    }
    server.lastSeen = Math.max(server.lastSeen, at);
    this.#unheard.delete(name);
    if (address !== undefined && server.address !== address) {
      server.address = address;
      changed = true;
    }
    if (changed || at - this.#savedAt >= this.staleAfterMs / 2) this.#save(at);
    return server.rank;
  }

  /**
   * A heartbeat from a name never ranked ranks it, with the address it carries and the rank it says it holds
   * (unless another name holds that one): after a restart without its state, this service relearns every server
   * from their heartbeats with the ranks they had, so the coordinator stays the highest and no election follows.
   */
  heartbeat(name: string, address: string | undefined, at: number, claimed?: number): number {
    return this.rank(name, address, at, claimed);
  }

  /** The servers heard from within staleAfterMs of `at`, by rank. */
  list(at: number): RegisteredServer[] {
    return [...this.#servers.values()]
      .filter((server) => at - server.lastSeen <= this.staleAfterMs)
      .sort((a, b) => a.rank - b.rank)
      .map(entry);
  }

  #nextRank(): number {
    let highest = 0;
    for (const server of this.#servers.values()) highest = Math.max(highest, server.rank);
    return highest + 1;
  }

  #save(at: number): void {
    if (!this.statePath) return;
    const servers = [...this.#servers.values()].sort((a, b) => a.rank - b.rank).map((server) => ({ ...entry(server), lastSeen: server.lastSeen }));
    writeFileAtomic(this.statePath, `${JSON.stringify({ servers }, null, 2)}\n`);
    this.#savedAt = at;
  }
}

function entry({ name, rank, address }: RegisteredServer): RegisteredServer {
  return address === undefined ? { name, rank } : { name, rank, address };
}

/** The state file cannot be used: the reference does not start rather than forget its servers' ranks. */
export class ReferenceStateError extends Error {}

function readState(path: string): Array<RegisteredServer & { lastSeen: number }> {
  const problem = (why: string) => new ReferenceStateError(`the reference's state file ${path} ${why}: move it away to start with no servers known`);
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw problem(`cannot be read (${(err as Error).message})`);
  }
  const servers = (state as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(servers)) throw problem('holds no "servers" list');
  const ranks = new Set<number>();
  return servers.map((server: unknown) => {
    const { name, rank, address, lastSeen } = (server ?? {}) as Record<string, unknown>;
    const bad =
      typeof name !== 'string' ||
      typeof rank !== 'number' ||
      !Number.isInteger(rank) ||
      rank < 1 ||
      ranks.has(rank) ||
      (address !== undefined && typeof address !== 'string') ||
      typeof lastSeen !== 'number';
    if (bad) throw problem(`has a bad entry, ${JSON.stringify(server).slice(0, 200)}`);
    ranks.add(rank);
    return { ...entry({ name, rank, address: address as string | undefined }), lastSeen };
  });
}
