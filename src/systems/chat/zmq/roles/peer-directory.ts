import type { RankedServer } from '../../domain/bully.ts';
import { PeerClient } from './peer-rpc.ts';

export interface ServerEntry extends RankedServer {
  address?: string;
}

/** The servers the reference lists, with one client per peer address; my own entry is kept but never dialled. */
export class PeerDirectory {
  #servers: ServerEntry[] = [];
  readonly #clients = new Map<string, { address: string; client: PeerClient }>();
  #closed = false;

  constructor(private readonly self: string) {}

  update(servers: ServerEntry[]): void {
    if (this.#closed) return;
    this.#servers = servers;
    for (const [name, entry] of this.#clients) {
      const now = servers.find((s) => s.name === name);
      if (!now || now.address !== entry.address) {
        entry.client.close();
        this.#clients.delete(name);
      }
    }
  }

  /** Every listed server, me included. */
  servers(): ServerEntry[] {
    return this.#servers;
  }

  peers(): ServerEntry[] {
    return this.#servers.filter((s) => s.name !== this.self && s.address);
  }

  rankOf(name: string): number | undefined {
    return this.#servers.find((s) => s.name === name)?.rank;
  }

  /** Undefined for me, for a server without an address, and for everyone once closed (a stopping server dials no one). */
  client(name: string): PeerClient | undefined {
    if (this.#closed) return undefined;
    const known = this.#clients.get(name);
    if (known) return known.client;
    const server = this.#servers.find((s) => s.name === name);
    if (!server?.address || name === this.self) return undefined;
    const client = new PeerClient(server.address);
    this.#clients.set(name, { address: server.address, client });
    return client;
  }

  close(): void {
    this.#closed = true;
    this.#servers = [];
    for (const { client } of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
