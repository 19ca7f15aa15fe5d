import { setTimeout as sleep } from 'node:timers/promises';
import { type LoadResult, runOpen } from '../../../../kit/loadgen/index.ts';
import { processTreeUsage } from '../../../../kit/observe/process-usage.ts';
import type { BenchClient, Connect } from './bench-clients.ts';
import { type DeliveryCounts, DeliveryLedger } from './delivery-ledger.ts';
import { RoomMembers } from './room-members.ts';

/** What a scenario gets: one side's instances, up, and how to connect to them. */
export interface SideUnderTest {
  side: string;
  connect: Connect;
  urls: string[];
  pids: number[];
}

/** How long after the last publish a delivery may still arrive before it counts as lost. */
export const GRACE_MS = 3_000;

export interface RoomSettings {
  members: number;
  publishers: number;
  rate: number;
  durationMs: number;
  progress?: boolean;
}

export interface RoomRun {
  /** Deliveries from a publisher on one instance to members on the other: the target's figure. */
  cross: LoadResult;
  all: LoadResult;
  counts: DeliveryCounts;
  errorReasons: string[];
}

/** `room`: members spread over the instances, a few publishers at a constant rate, every delivery counted. */
export async function runRoom(side: SideUnderTest, settings: RoomSettings): Promise<RoomRun> {
  const room = await RoomMembers.open(side.connect, side.urls, settings.members, `bench-room-${process.pid}`);
  try {
    const publishers = publishersOf(room, settings.publishers);
    const ledger = new DeliveryLedger(settings.members);
    room.ledger = ledger;
    const { durationMs } = await publishAt(room, publishers, ledger, settings.rate, settings.durationMs, `${side.side} room`, settings.progress);
    await room.drain(GRACE_MS);
    room.ledger = undefined;
    const name = `${side.side}: room of ${settings.members} @ ${settings.rate}/s`;
    return { cross: ledger.result(`${name}, cross-instance`, 'cross', durationMs, settings.rate), all: ledger.result(name, 'all', durationMs, settings.rate), counts: ledger.counts, errorReasons: ledger.errorReasons };
  } finally {
    room.close();
  }
}

export interface MaxRateSettings {
  /** Subscribers per instance; each also publishes in turn. */
  perInstance: number;
  startRate: number;
  /** Each step's rate over the last one's. */
  factor: number;
  maxRate: number;
  stepMs: number;
  p99LimitMs: number;
  progress?: boolean;
}

export interface RateStep {
  rate: number;
  p99: number;
  lost: number;
  /** Messages published per second, as this client managed. */
  achieved: number;
  met: boolean;
}

export interface MaxRateRun {
  /** The highest rate whose step met the p99 with nothing lost; null when the first step missed already. */
  highest: number | null;
  steps: RateStep[];
  /** The last step that met, for the report's table. */
  best?: LoadResult;
}

/** `max-rate`: the rate goes up step by step until a step's delivery p99 passes the limit or a message is lost. */
export async function runMaxRate(side: SideUnderTest, settings: MaxRateSettings): Promise<MaxRateRun> {
  const members = settings.perInstance * side.urls.length;
  const room = await RoomMembers.open(side.connect, side.urls, members, `bench-rate-${process.pid}`);
  const steps: RateStep[] = [];
  let best: LoadResult | undefined;
  try {
    for (let rate = settings.startRate; rate <= settings.maxRate; rate = Math.round(rate * settings.factor)) {
      const ledger = new DeliveryLedger(members);
      room.ledger = ledger;
      const published = await publishAt(room, room.members, ledger, rate, settings.stepMs, `${side.side} @ ${rate}/s`, settings.progress);
      await room.drain(GRACE_MS);
      room.ledger = undefined;
      const result = ledger.result(`${side.side}: ${members} subscribers @ ${rate}/s`, 'all', published.durationMs, rate);
      const { lost } = ledger.counts;
      // A step the client could not keep to measures the client: it counts as missed.
      const achieved = Math.round((ledger.counts.sent * 1_000) / published.durationMs);
      const met = lost === 0 && result.ok > 0 && result.p99 <= settings.p99LimitMs && achieved >= rate * 0.9;
      steps.push({ rate, p99: result.p99, lost, achieved, met });
      if (!met) break;
      best = result;
    }
    const highest = steps.filter((s) => s.met).at(-1)?.rate ?? null;
    return { highest, steps, ...(best ? { best } : {}) };
  } finally {
    room.close();
  }
}

export interface IdleSettings {
  connections: number;
  /** How long memory settles before each reading. */
  settleMs: number;
}

export interface IdleRun {
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** (after − before) / connections. */
  bytesPerConnection: number;
}

const IDLE_BATCH = 200;

/** `idle`: connections that only stay open, all on the first instance; its resident memory before and after. */
export async function runIdle(side: SideUnderTest, settings: IdleSettings): Promise<IdleRun> {
  const pid = side.pids[0]!;
  const clients: BenchClient[] = [];
  try {
    await sleep(settings.settleMs);
    const before = processTreeUsage([pid]).rssBytes;
    for (let start = 0; start < settings.connections; start += IDLE_BATCH) {
      const batch = Array.from({ length: Math.min(IDLE_BATCH, settings.connections - start) }, (_, k) => side.connect(side.urls[0]!, `idle-${start + k}`));
      clients.push(...(await Promise.all(batch)));
    }
    await sleep(settings.settleMs);
    const after = processTreeUsage([pid]).rssBytes;
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    return { connections: clients.length, rssBeforeMb: mb(before), rssAfterMb: mb(after), bytesPerConnection: Math.round((after - before) / clients.length) };
  } finally {
    for (const client of clients) client.close();
  }
}

function publishersOf(room: RoomMembers, count: number): RoomMembers['members'] {
  const byInstance = room.publishers.length;
  // Spread over the instances: the first `count` members are already round-robin over them.
  return room.members.slice(0, Math.max(count, byInstance));
}

/** Publishes at `rate` for `durationMs`, round-robin over `publishers`; resolves when the last one is sent. */
async function publishAt(room: RoomMembers, publishers: RoomMembers['members'], ledger: DeliveryLedger, rate: number, durationMs: number, name: string, progress?: boolean): Promise<LoadResult> {
  return runOpen({
    name,
    rate,
    durationMs,
    pacing: 'timer',
    progress,
    task: async ({ iteration }) => {
      const publisher = publishers[iteration % publishers.length]!;
      publisher.client.publish(room.room, ledger.next(publisher.instance));
    },
  });
}
