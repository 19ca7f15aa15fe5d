import type { ScenarioName } from './bench-options.ts';

/** Issue 5: "requests through the broker with 3 servers ≥ 5,000 req/s", held by reads and writes each. */
export const REQUESTS_PER_SECOND_TARGET = 5_000;
export const TARGET_SERVERS = 3;
/** Issue 5: publish-to-delivery p99 under 5 ms, and no publication lost. */
export const DELIVERY_P99_TARGET_MS = 5;

/**
 * Above this share of the machine's CPU time taken by the host (steal), a verdict gets a caveat. In some fifty
 * 10-s delivery runs on 2 December, of builds within a few percent of each other's CPU, those with at most 0.1 s
 * of steal (0.5 %) had p99 3.4 – 6.2 ms, and those with 0.4 s or more 5.1 – 27 ms.
 */
export const STEAL_CAVEAT_SHARE = 0.01;

/** Per scenario, what the host took: its CPU stolen over the machine's CPU time in that scenario (null off Linux). */
interface Stolen {
  stealShare?: number | null;
}

export interface TargetInput {
  reads?: { rps: number } & Stolen;
  writes?: { rps: number } & Stolen;
  delivery?: { p99: number; ok: number; lost: number } & Stolen;
}

export interface TargetResult {
  scenario: ScenarioName;
  target: string;
  /** The goal as written, e.g. "≥ 5,000 req/s". */
  goal: string;
  /** The figure measured (req/s, ms or a count); null when there is nothing to measure it on. */
  measured: number | null;
  unit: 'req/s' | 'ms' | 'lost';
  pass: boolean;
  /** Why the verdict needs a caveat: another server count than the targets', or the host's steal during the run. */
  note?: string;
}

/** The targets for the scenarios that ran. A bench measures: a missed target is reported, not an error. */
export function evaluateTargets(input: TargetInput, servers: number): TargetResult[] {
  const out: TargetResult[] = [];
  const note = servers === TARGET_SERVERS ? undefined : `the target is set for ${TARGET_SERVERS} servers; this run had ${servers}`;
  for (const scenario of ['reads', 'writes'] as const) {
    const result = input[scenario];
    if (!result) continue;
    const notes = [note, stealNote(result.stealShare)].filter((n) => n !== undefined);
    out.push({
      scenario,
      target: `${scenario} through the broker, ${servers} servers`,
      goal: `≥ ${REQUESTS_PER_SECOND_TARGET.toLocaleString('en-US')} req/s`,
      measured: result.rps,
      unit: 'req/s',
      pass: result.rps >= REQUESTS_PER_SECOND_TARGET,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    });
  }
  if (input.delivery) {
    const { p99, ok, lost } = input.delivery;
    const steal = stealNote(input.delivery.stealShare);
    out.push(
      {
        scenario: 'delivery',
        target: 'publish-to-delivery p99',
        goal: `< ${DELIVERY_P99_TARGET_MS} ms`,
        measured: ok > 0 ? p99 : null,
        unit: 'ms',
        pass: ok > 0 && p99 < DELIVERY_P99_TARGET_MS,
        ...(steal ? { note: steal } : {}),
      },
      {
        scenario: 'delivery',
        target: 'lost deliveries',
        goal: '0',
        measured: lost,
        unit: 'lost',
        pass: lost === 0 && ok > 0,
        ...(ok > 0 ? {} : { note: 'nothing was delivered at all' }),
      },
    );
  }
  return out;
}

function stealNote(share: number | null | undefined): string | undefined {
  if (share === null || share === undefined || share <= STEAL_CAVEAT_SHARE) return undefined;
  return `the host took ${(share * 100).toFixed(1)} % of this machine's CPU time during it (steal): compare it only with runs at a similar steal, or run again`;
}
