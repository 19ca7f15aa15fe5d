import { join } from 'node:path';
import { ZmtpPublisher } from '../../../../kit/zmtp/zmtp-publisher.ts';
import { ZmtpReplier } from '../../../../kit/zmtp/zmtp-replier.ts';
import { ZmtpSubscriber } from '../../../../kit/zmtp/zmtp-subscriber.ts';
import { ChatState } from '../../domain/chat-state.ts';
import { openSqliteOpLog } from '../../store/sqlite-op-log.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_TRANSPORT_BYTES } from '../wire/chat-message.ts';
import { decodePublication } from '../wire/publication.ts';
import { BerkeleyRounds } from './berkeley-rounds.ts';
import { BullyElection } from './bully-election.ts';
import { ClientService } from './client-service.ts';
import { PeerDirectory, type ServerEntry } from './peer-directory.ts';
import { admitJoiner, introduceSelf } from './peer-introductions.ts';
import { PeerEndpoint } from './peer-rpc.ts';
import { peerService } from './peer-service.ts';
import { PublicationSender } from './publication-sender.ts';
import { ReferenceLink } from './reference-link.ts';
import { Replicator } from './replicator.ts';
import { ServerContext } from './server-context.ts';

export const SERVERS_TOPIC = 'servers';
export const DEFAULT_REP_SOCKETS = 16;

export interface ChatServerOptions {
  name: string;
  /** The broker's DEALER, where the REP connects. */
  broker: string;
  /** The proxy's XSUB (publications out) and XPUB (the `servers` topic in). */
  proxyXsub: string;
  proxyXpub: string;
  reference: string;
  /** Where the peer ROUTER binds, as tcp://host:port (port 0 picks one); the bound address goes to the reference. */
  peerBind: string;
  /** The host other servers dial, when it differs from the bound one (a container name). */
  advertiseHost?: string;
  dataDir: string;
  maxMessageBytes?: number;
  /** REP sockets connected to the broker: each answers one request at a time, so this is how many this server handles at once. */
  repSockets?: number;
  timings?: Partial<ServerTimings>;
  log?: (line: string) => void;
}

export interface ServerTimings {
  heartbeatMs: number;
  coordinatorProbeMs: number;
  peerTimeoutMs: number;
  replicateTimeoutMs: number;
  antiEntropyMs: number;
  announceWaitMs: number;
}

const DEFAULT_TIMINGS: ServerTimings = {
  heartbeatMs: 1_000,
  coordinatorProbeMs: 400,
  peerTimeoutMs: 300,
  replicateTimeoutMs: 1_000,
  antiEntropyMs: 2_000,
  announceWaitMs: 1_000,
};

export interface ChatServer {
  name: string;
  /** As the reference last gave it: a reference that lost its state may rank this server anew. */
  readonly rank: number;
  peerEndpoint: string;
  status(): { coordinator?: string; berkeleyRounds: number; ops: number; offsetMs: number };
  close(): Promise<void>;
}

/** One chat server: catches up with its peers, then answers the broker's clients and takes part in clock sync and election. */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const log = options.log ?? (() => {});
  const ctx = new ServerContext(options.name);
  const opLog = openSqliteOpLog(join(options.dataDir, `${options.name}.sqlite`));
  const state = new ChatState();
  for (const op of opLog.all()) {
    state.apply(op);
    ctx.clock.observe(op.clock);
  }

  const directory = new PeerDirectory(ctx.name);
  const reference = new ReferenceLink(options.reference, ctx);
  const replicator = new Replicator(ctx, opLog, state, directory, timings.replicateTimeoutMs);
  const publisher = new ZmtpPublisher(options.proxyXsub);
  const publications = new PublicationSender(publisher);
  const election = new BullyElection(
    {
      self: () => ({ name: ctx.name, rank: ctx.rank }),
      servers: async () => {
        await refresh();
        return directory.servers();
      },
      ask: async (name) => {
        const reply = await directory.client(name)?.request(ctx.stamp('election'), timings.peerTimeoutMs);
        if (reply) ctx.observe(reply);
        return reply?.data.election === 'OK';
      },
      announce: async () => {
        log(`${ctx.name}: I am the coordinator (rank ${ctx.rank})`);
        publications.publish(SERVERS_TOPIC, { ...ctx.stamp('election', { coordinator: ctx.name }) });
      },
    },
    timings.announceWaitMs,
  );
  const berkeley = new BerkeleyRounds(ctx, directory, () => election.coordinator, timings.peerTimeoutMs);
  const admit = async (joiner: Required<ServerEntry>) => {
    await admitJoiner(directory, refresh, joiner);
    replicator.peerJoined(joiner.name);
  };
  const peers = await PeerEndpoint.bind(options.peerBind, peerService({ ctx, log: opLog, replicator, election, berkeley, opCount: () => state.size, opOf: (id) => state.get(id), admit }), options.maxMessageBytes);
  const peerEndpoint = advertised(peers.endpoint, options.advertiseHost);
  const refresh = () => refreshDirectory(ctx, reference, directory, peerEndpoint, log);

  // No client request reaches this server before it knows its peers, they know it, and it holds what they hold:
  // its REPs connect to the broker only then, and until then the broker gives requests to the servers that serve.
  const referenceAt = `the reference at ${options.reference}`;
  ctx.rank = await untilAnswered(() => reference.rank(peerEndpoint), referenceAt, log);
  directory.update(await untilAnswered(() => reference.fullList(), referenceAt, log));
  const silent = await introduceSelf(ctx, directory, peerEndpoint, timings.replicateTimeoutMs);
  if (silent.length > 0) log(`${ctx.name}: ${silent.join(', ')} did not answer join; they learn of me at their next heartbeat`);
  const caught = await replicator.catchUp();
  log(`${ctx.name}: rank ${ctx.rank}, ${state.size} ops (${caught} caught up from ${directory.peers().length} peers)`);

  const subscriber = followAnnouncements(options.proxyXpub, ctx, election, async (name) => {
    if (directory.rankOf(name) === undefined) await refresh();
    return directory.rankOf(name);
  }, log);

  const watch: CoordinatorWatch = { answeredAt: 0 };
  const timers = [
    setInterval(() => void refresh(), timings.heartbeatMs),
    setInterval(() => void watchCoordinator(ctx, refresh, directory, election, timings.peerTimeoutMs, watch, 3 * timings.heartbeatMs), timings.coordinatorProbeMs),
  ];
  replicator.startAntiEntropy(timings.antiEntropyMs);
  void election.run();

  const clients = new ClientService({
    ctx,
    state,
    replicator,
    publications,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    onHandled: () => berkeley.messageHandled(),
  });
  // Several REPs, as the zguide's multi-worker server: while one waits for its write to reach the peers, the
  // others answer, and the writes waiting together go to each peer in one request.
  const replies = Array.from(
    { length: options.repSockets ?? DEFAULT_REP_SOCKETS },
    () => new ZmtpReplier({ endpoint: options.broker, handle: (body) => clients.handle(body), maxMessageBytes: MAX_TRANSPORT_BYTES }),
  );

  return {
    name: ctx.name,
    get rank() {
      return ctx.rank;
    },
    peerEndpoint,
    status: () => ({ coordinator: election.coordinator, berkeleyRounds: berkeley.rounds, ops: state.size, offsetMs: ctx.physical.offsetMs }),
    async close() {
      for (const timer of timers) clearInterval(timer);
      replicator.stop();
      directory.close();
      await Promise.all([...replies.map((reply) => reply.close()), election.stop()]);
      subscriber.close();
      publisher.close();
      reference.close();
      await peers.close();
      opLog.close();
    },
  };
}

/** Follows the coordinator announcements on the topic `servers`, one at a time, in the order they came. */
function followAnnouncements(
  proxyXpub: string,
  ctx: ServerContext,
  election: BullyElection,
  rankOf: (name: string) => Promise<number | undefined>,
  log: (line: string) => void,
): ZmtpSubscriber {
  let following = Promise.resolve();
  const follow = async (coordinator: string) => {
    if (election.coordinator !== coordinator) log(`${ctx.name}: coordinator is now ${coordinator}`);
    election.onAnnouncement(coordinator, await rankOf(coordinator));
  };
  const subscriber = new ZmtpSubscriber({
    endpoint: proxyXpub,
    maxMessageBytes: MAX_TRANSPORT_BYTES,
    onMessage: (frames) => {
      const publication = decodePublication(frames);
      if (publication?.topic !== SERVERS_TOPIC || publication.payload.service !== 'election') return;
      const data = publication.payload.data as Record<string, unknown> | undefined;
      if (typeof data?.coordinator !== 'string') return;
      ctx.clock.observe(data.clock);
      const coordinator = data.coordinator;
      following = following.then(() => follow(coordinator)).catch(() => undefined);
    },
  });
  subscriber.subscribe(SERVERS_TOPIC);
  return subscriber;
}

/** A heartbeat (taking the rank the reply gives), then the list of live servers. */
async function refreshDirectory(ctx: ServerContext, reference: ReferenceLink, directory: PeerDirectory, address: string, log: (line: string) => void): Promise<void> {
  try {
    const rank = await reference.heartbeat(address);
    if (rank !== undefined && rank !== ctx.rank) {
      log(`${ctx.name}: the reference ranks me ${rank} now, not ${ctx.rank}`);
      ctx.rank = rank;
    }
    directory.update(await reference.list());
  } catch {
    // the reference is down: keep the last list and try again on the next beat
  }
}

/** When the coordinator last answered a probe: see watchCoordinator. */
interface CoordinatorWatch {
  name?: string;
  answeredAt: number;
}

/**
 * Probes the coordinator and calls an election when it does not answer. A coordinator that answered lately but is
 * missing from the reference's list is given until `graceMs` after its last answer: a reference that lost its
 * state relists the servers as their heartbeats come in, and electing in that second would announce a second
 * coordinator. A coordinator that dies stays listed until it goes stale, so its probes fail and the election is
 * not delayed.
 */
async function watchCoordinator(ctx: ServerContext, refresh: () => Promise<void>, directory: PeerDirectory, election: BullyElection, timeoutMs: number, watch: CoordinatorWatch, graceMs: number): Promise<void> {
  const coordinator = election.coordinator;
  if (coordinator === ctx.name) return;
  if (coordinator !== undefined) {
    try {
      if (!directory.client(coordinator)) await refresh();
      const client = directory.client(coordinator);
      if (!client && watch.name === coordinator && Date.now() - watch.answeredAt < graceMs) return;
      const reply = await client?.request(ctx.stamp('heartbeat'), timeoutMs);
      if (reply) {
        ctx.observe(reply);
        watch.name = coordinator;
        watch.answeredAt = Date.now();
        return;
      }
    } catch {
      // unreachable: elect
    }
  }
  await election.run();
}

async function untilAnswered<T>(call: () => Promise<T>, what: string, log: (line: string) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt === 1 || attempt % 10 === 0) log(`waiting for ${what}: ${(err as Error).message}; start it with "mensageiro chat zmq reference"`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function advertised(endpoint: string, host: string | undefined): string {
  if (!host) return endpoint;
  const url = new URL(endpoint);
  return `tcp://${host}:${url.port}`;
}
