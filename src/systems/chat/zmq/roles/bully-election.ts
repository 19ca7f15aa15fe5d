import { type RankedServer, higherRanked } from '../../domain/bully.ts';

export interface ElectionPeers {
  self(): RankedServer;
  /** Every live server, me included, as freshly as can be had. */
  servers(): Promise<RankedServer[]>;
  /** Sends `election` to one server; true when it answered OK. */
  ask(name: string): Promise<boolean>;
  /** Publishes me as coordinator on the `servers` topic. */
  announce(): Promise<void>;
}

/**
 * The bully algorithm. Whoever suspects the coordinator asks every higher-ranked server; any answer means
 * a stronger server takes over (and will announce), no answer means I announce myself.
 */
export class BullyElection {
  coordinator: string | undefined;
  elections = 0;
  #running: Promise<void> | undefined;
  #announced: (() => void) | undefined;

  constructor(private readonly peers: ElectionPeers, private readonly announceWaitMs = 1_000) {}

  #stopped = false;

  /** Starts an election unless one is already running (or I am stopping); resolves when a coordinator is known. */
  run(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#running ??= this.#elect().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** No more elections: the server is stopping. Resolves when the one under way (if any) is over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#announced?.();
    await this.#running;
  }

  /** Follows an announcement; one from a server ranked below me is answered by an election I will win. */
  onAnnouncement(coordinator: string, rank: number | undefined): void {
    this.coordinator = coordinator;
    this.#announced?.();
    if (rank !== undefined && rank < this.peers.self().rank) void this.run();
  }

  async #elect(): Promise<void> {
    this.elections++;
    for (let attempt = 0; attempt < 5 && !this.#stopped; attempt++) {
      const me = this.peers.self();
      const higher = higherRanked(me, await this.peers.servers());
      const answers = await Promise.all(higher.map((s) => this.peers.ask(s.name).catch(() => false)));
      if (!answers.includes(true)) {
        this.coordinator = me.name;
        await this.peers.announce();
        return;
      }
      if (await this.#announcementWithin(this.announceWaitMs)) return;
    }
  }

  #announcementWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#announced = undefined;
        resolve(false);
      }, ms);
      this.#announced = () => {
        clearTimeout(timer);
        this.#announced = undefined;
        resolve(true);
      };
    });
  }
}
