import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { ErrorCount } from '../../../kit/loadgen/failures.ts';
import { Progress } from '../../../kit/loadgen/progress.ts';
import { HttpConnection } from '../../../kit/loadgen/http-connection.ts';
import { Recorder } from '../../../kit/loadgen/recorder.ts';
import type { ProcessorName } from '../domain/processors.ts';
import { TrendSamples } from './k6-percentile.ts';
import { ProcessorAdmin, type SummaryReply, type TimedResponse, readSummary, timedRequest } from './processor-admin.ts';
import { type BackendSummary, type ProcessorTotals, type TeardownTotals, checkInconsistencies, rinhaScore, teardownTotals } from './rinha-score.ts';
import { type RinhaScript, type StageChange, fitScript, vuStartMs } from './rinha-scripts.ts';

export interface RinhaBenchOptions {
  backendUrl: string;
  defaultUrl: string;
  fallbackUrl: string;
  script: RinhaScript;
  /** Peak VUs instead of the script's. */
  vus?: number;
  /** Run the script compressed (or stretched) in time to this duration. */
  durationMs?: number;
  /** The processors' admin token before the run (the official INITIAL_TOKEN is 123). */
  initialToken?: string;
  /** The live progress line; by default on when stderr is a TTY. */
  progress?: boolean;
  /** What k6 prints along the way (inconsistencies found, summaries that failed). */
  log?: (line: string) => void;
  /** Stops the run early (Ctrl-C): it ends as an abort, and the processors still get their token back. */
  signal?: AbortSignal;
}

export interface RinhaResult {
  script: RinhaScript['name'];
  maxVus: number;
  /** The script's duration, after any compression. */
  scriptDurationMs: number;
  /** How long the scenarios really ran, last iterations included (before the teardown). */
  durationMs: number;
  /** k6's p(99) of every timed request with a 2xx/3xx status, rounded to 2 decimals as the script does. */
  p99: number;
  p99Raw: number;
  /** How many requests that p99 was taken over. */
  samples: number;
  bonus: number;
  fine: number;
  inconsistencies: number;
  checks: number;
  /** Checks that ended early because a summary was not JSON (k6 throws; the check adds nothing). */
  checkErrors: number;
  lag: number;
  caixaDois: boolean;
  score: number;
  gross: number;
  fees: number;
  liquid: number;
  requests: { total: number; ok: number; failed: number };
  /** The most frequent reasons POST /payments failed. */
  failures: ErrorCount[];
  default: ProcessorTotals;
  fallback: ProcessorTotals;
}

/** k6's `exec.test.abort()`: the official run would stop here and score nothing. */
export class RinhaAbort extends Error {
  override readonly name = 'RinhaAbort';
  constructor(
    message: string,
    /** What failed to answer as the script expects; none when the run was interrupted. */
    readonly target?: ProcessorName | 'backend',
    readonly status?: number,
  ) {
    super(message);
  }
}

const MAX_WARNINGS = 50;
const SUCCESS = new Set([200, 201, 202, 204]);
const EMPTY_BACKEND_SUMMARY: BackendSummary = { default: { totalRequests: 0, totalAmount: 0 }, fallback: { totalRequests: 0, totalAmount: 0 } };

type Processors = Record<ProcessorName, ProcessorAdmin>;

/**
 * The official k6 test, played by Node: setup (new token, purges), the payments VUs ramping 1 → max,
 * the consistency checker, the stage changes, the teardown and handleSummary's score.
 */
export async function runRinhaBench(options: RinhaBenchOptions): Promise<RinhaResult> {
  const script = fitScript(options.script, { vus: options.vus, durationMs: options.durationMs });
  const initialToken = options.initialToken ?? '123';
  const timeoutMs = script.requestTimeoutMs;
  const processors: Processors = {
    default: new ProcessorAdmin('default', options.defaultUrl, { token: initialToken, timeoutMs }),
    fallback: new ProcessorAdmin('fallback', options.fallbackUrl, { token: initialToken, timeoutMs }),
  };
  const backend = new BackendClient(options.backendUrl, timeoutMs);
  const trend = new TrendSamples();
  const time = (response: TimedResponse): TimedResponse => {
    // k6's expected_response:true is a status from 200 to 399.
    if (response.status >= 200 && response.status < 400) trend.add(response.durationMs);
    return response;
  };
  const log = options.log ?? (() => undefined);

  try {
    await setup(processors, backend, time);
    const run = new ScenarioRun(script, processors, backend, time, log, options.signal);
    const { durationMs, recorder } = await run.play(options.progress);

    const totals = await teardown(script, processors, backend, time, log);
    const p99Raw = trend.percentile(0.99);
    const score = rinhaScore({
      p99Ms: p99Raw,
      inconsistencies: run.inconsistencies,
      gross: totals.gross,
      fees: totals.fees,
      succeeded: recorder.ok,
      recorded: totals.default.totalRequests + totals.fallback.totalRequests,
    });
    return {
      script: script.name,
      maxVus: script.maxVus,
      scriptDurationMs: script.durationMs,
      durationMs,
      p99: score.p99,
      p99Raw,
      samples: trend.count,
      bonus: score.bonus,
      fine: score.fine,
      inconsistencies: run.inconsistencies,
      checks: run.checks,
      checkErrors: run.checkErrors,
      lag: score.lag,
      caixaDois: score.caixaDois,
      score: score.score,
      gross: totals.gross,
      fees: totals.fees,
      liquid: score.liquid,
      requests: { total: recorder.count, ok: recorder.ok, failed: recorder.failed },
      failures: recorder.errors.top(5),
      default: totals.default,
      fallback: totals.fallback,
    };
  } finally {
    // The official test leaves the processors on its random token (changing it back is the runner's job,
    // by restarting them). Our emulators live on between runs, so the next run needs the initial token.
    await restoreTokens(processors, initialToken, log);
    processors.default.close();
    processors.fallback.close();
    backend.close();
  }
}

/** k6's setup(): a new random token on both processors, both purged, then the backend (errors ignored). */
async function setup(processors: Processors, backend: BackendClient, time: (r: TimedResponse) => TimedResponse): Promise<void> {
  const token = randomUUID();
  for (const admin of [processors.default, processors.fallback]) {
    expectStatus(admin, 'PUT /admin/configurations/token', time(await admin.changeToken(token)), 204);
  }
  for (const admin of [processors.default, processors.fallback]) {
    expectStatus(admin, 'POST /admin/purge-payments', time(await admin.purge()), 200);
  }
  time(await backend.purge());
}

function expectStatus(admin: ProcessorAdmin, call: string, response: TimedResponse, status: number): void {
  if (response.status === status) return;
  const answer = response.status === 0 ? `no answer (${response.error ?? 'no response'})` : `HTTP ${response.status}`;
  throw new RinhaAbort(`the ${admin.name} processor gave ${answer} to ${call}, where k6 expects ${status} and aborts otherwise`, admin.name, response.status);
}

async function restoreTokens(processors: Processors, initialToken: string, log: (line: string) => void): Promise<void> {
  for (const admin of [processors.default, processors.fallback]) {
    if (admin.token === initialToken) continue;
    const response = await admin.changeToken(initialToken);
    if (response.status !== 204) {
      log(`could not put the ${admin.name} processor's token back to "${initialToken}" (${response.status ? `HTTP ${response.status}` : response.error}); restart it before the next run`);
    }
  }
}

/** The scenarios that run side by side for the script's duration: payments, payments_consistency, stage_NN. */
class ScenarioRun {
  inconsistencies = 0;
  checks = 0;
  checkErrors = 0;
  #startedAt = 0;
  #warnings = 0;
  #aborted: RinhaAbort | undefined;
  readonly #stop = new AbortController();
  readonly #sleepers = new Set<() => void>();

  constructor(
    private readonly script: RinhaScript,
    private readonly processors: Processors,
    private readonly backend: BackendClient,
    private readonly time: (r: TimedResponse) => TimedResponse,
    private readonly log: (line: string) => void,
    interrupt?: AbortSignal,
  ) {
    setMaxListeners(0, this.#stop.signal);
    this.#stop.signal.addEventListener('abort', () => [...this.#sleepers].forEach((wake) => wake()), { once: true });
    interrupt?.addEventListener('abort', () => this.#abort(new RinhaAbort('the run was interrupted')), { once: true });
    if (interrupt?.aborted) this.#abort(new RinhaAbort('the run was interrupted'));
  }

  async play(progressEnabled: boolean | undefined): Promise<{ durationMs: number; recorder: Recorder }> {
    this.#startedAt = performance.now();
    const recorder = new Recorder(this.#startedAt);
    const progress = new Progress(`rinha ${this.script.name}`, this.script.durationMs, recorder, { enabled: progressEnabled });
    progress.start();
    try {
      await Promise.all([this.#payments(recorder), this.#checker(), ...this.script.stages.map((stage) => this.#stage(stage))]);
    } finally {
      progress.stop();
    }
    if (this.#aborted) throw this.#aborted;
    return { durationMs: performance.now() - this.#startedAt, recorder };
  }

  /** k6 prints a line per failed summary; a backend that fails fast would print thousands, so the run stops at 50. */
  #warn(line: string): void {
    if (++this.#warnings <= MAX_WARNINGS) this.log(line);
    else if (this.#warnings === MAX_WARNINGS + 1) this.log(`more than ${MAX_WARNINGS} warnings: the rest are not shown`);
  }

  #elapsed(): number {
    return performance.now() - this.#startedAt;
  }

  #running(): boolean {
    return !this.#aborted && this.#elapsed() < this.script.durationMs;
  }

  /**
   * Sleeps like k6's sleep(): the end of the run does not cut it (gracefulStop lets iterations finish), an abort
   * does. One abort listener wakes every sleeper: a listener per sleep on a shared AbortSignal costs O(listeners)
   * each time, which with 600 VUs made this process's largest CPU item and so taxed the system under test.
   */
  async #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#aborted) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  #abort(error: unknown): void {
    if (this.#aborted) return;
    this.#aborted = error instanceof RinhaAbort ? error : new RinhaAbort(String(error));
    this.#stop.abort();
  }

  /** ramping-vus, startVUs 1, one stage to maxVus, gracefulRampDown 0: VUs only ever join. */
  async #payments(recorder: Recorder): Promise<void> {
    const { maxVus, durationMs } = this.script;
    const vus: Promise<void>[] = [];
    for (let vu = 1; vu <= maxVus; vu++) {
      const startAt = vuStartMs(vu, maxVus, durationMs);
      if (startAt >= durationMs) break;
      await this.#sleep(startAt - this.#elapsed());
      if (!this.#running()) break;
      vus.push(this.#paymentsVu(recorder));
    }
    await Promise.all(vus);
  }

  async #paymentsVu(recorder: Recorder): Promise<void> {
    // One keep-alive connection per VU, as each k6 VU keeps its own.
    const connection = this.backend.connection();
    try {
      while (this.#running()) {
        const body = JSON.stringify({ correlationId: randomUUID(), amount: this.script.amount });
        const response = this.time(await connection.request('POST', '/payments', body));
        if (SUCCESS.has(response.status)) recorder.success(performance.now(), response.durationMs);
        else recorder.failure(performance.now(), paymentFailure(response));
        await this.#sleep(this.script.iterationSleepMs);
      }
    } finally {
      connection.close();
    }
  }

  /** payments_consistency: 1 VU comparing the three summaries over a window that lags behind now. */
  async #checker(): Promise<void> {
    const { fromAgoMs, toAgoMs, sleepMs, rule } = this.script.check;
    while (this.#running()) {
      const now = Date.now();
      const from = new Date(now - fromAgoMs).toISOString();
      const to = new Date(now - toAgoMs).toISOString();
      const [pDefault, pFallback, ours] = await Promise.all([
        this.processors.default.summary(from, to),
        this.processors.fallback.summary(from, to),
        this.backend.summary(from, to),
      ]);
      for (const reply of [pDefault, pFallback, ours]) this.time(reply.response);
      this.#reportUnread([
        ['default processor', pDefault],
        ['fallback processor', pFallback],
        ['backend', ours],
      ]);
      // In k6 a body that is not JSON throws: this iteration adds nothing and the next one starts at once.
      if (pDefault.invalidBody || pFallback.invalidBody || ours.invalidBody) {
        this.checkErrors++;
        continue;
      }
      const found = checkInconsistencies(rule, ours.summary, { default: pDefault.summary, fallback: pFallback.summary });
      this.inconsistencies += found;
      this.checks++;
      if (found > 0) {
        this.#warn(
          `${found} inconsistencies in [${from}, ${to}]: backend default ${ours.summary.default.totalRequests} vs ${pDefault.summary.totalRequests}, fallback ${ours.summary.fallback.totalRequests} vs ${pFallback.summary.totalRequests}`,
        );
      }
      await this.#sleep(sleepMs);
    }
  }

  #reportUnread(replies: Array<[string, SummaryReply<unknown>]>): void {
    for (const [who, { response, invalidBody }] of replies) {
      if (invalidBody) this.#warn(`the ${who}'s summary answered 200 with a body that is not JSON`);
      else if (response.status !== 200) this.#warn(`the ${who}'s summary answered ${response.status ? `HTTP ${response.status}` : response.error}; k6 reads it as all zeros`);
    }
  }

  /** define_stage: at its start time, the delay and failure of both processors, in the script's order. */
  async #stage(stage: StageChange): Promise<void> {
    await this.#sleep(stage.startMs - this.#elapsed());
    if (this.#aborted) return;
    const { default: pDefault, fallback: pFallback } = this.processors;
    const calls: Array<[ProcessorAdmin, string, () => Promise<TimedResponse>]> = [
      [pDefault, 'PUT /admin/configurations/delay', () => pDefault.setDelay(stage.default.delayMs)],
      [pFallback, 'PUT /admin/configurations/delay', () => pFallback.setDelay(stage.fallback.delayMs)],
      [pDefault, 'PUT /admin/configurations/failure', () => pDefault.setFailure(stage.default.failing)],
      [pFallback, 'PUT /admin/configurations/failure', () => pFallback.setFailure(stage.fallback.failing)],
    ];
    try {
      for (const [admin, call, send] of calls) expectStatus(admin, call, this.time(await send()), 200);
    } catch (err) {
      this.#abort(err);
    }
  }
}

/** k6's teardown(): the summaries over a window ending now, read into the counters handleSummary uses. */
async function teardown(
  script: RinhaScript,
  processors: Processors,
  backend: BackendClient,
  time: (r: TimedResponse) => TimedResponse,
  log: (line: string) => void,
): Promise<TeardownTotals> {
  const to = new Date();
  const from = new Date(to.getTime() - script.teardown.windowMs).toISOString();
  const toIso = to.toISOString();
  const read = <T>(who: ProcessorName | 'backend', reply: SummaryReply<T>): T => {
    time(reply.response);
    if (reply.invalidBody) throw new RinhaAbort(`the teardown could not read the ${who}'s summary: HTTP 200 with a body that is not JSON`, who, 200);
    if (reply.response.status !== 200) log(`the teardown's ${who} summary answered ${reply.response.status ? `HTTP ${reply.response.status}` : reply.response.error}; k6 reads it as all zeros`);
    return reply.summary;
  };
  const pDefault = read('default', await processors.default.summary(from, toIso));
  const pFallback = read('fallback', await processors.fallback.summary(from, toIso));
  const ours = script.teardown.source === 'backend' ? read('backend', await backend.summary(from, toIso)) : undefined;
  return teardownTotals(script.teardown.source, { default: pDefault, fallback: pFallback }, ours);
}

/** The backend under test, as the script's `backendHttp` client uses it. */
class BackendClient {
  /** For setup, the checker and the teardown; each payments VU has a connection of its own. */
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #baseUrl: URL;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.#baseUrl = new URL(baseUrl);
  }

  /**
   * A payments VU's connection: a lean HTTP/1.1 client, since hundreds of VUs share this one event loop and
   * node:http's per-request cost showed in the measured latencies (k6 spreads its VUs over every core).
   */
  connection(): HttpConnection {
    return new HttpConnection({ host: this.#baseUrl.hostname, port: Number(this.#baseUrl.port || 80), timeoutMs: this.timeoutMs });
  }

  /** POST /purge-payments: optional in the contract, so its answer is ignored. */
  purge(): Promise<TimedResponse> {
    return timedRequest({ agent: this.#agent, baseUrl: this.#baseUrl, method: 'POST', path: '/purge-payments', timeoutMs: this.timeoutMs });
  }

  async summary(from: string, to: string): Promise<SummaryReply<BackendSummary>> {
    const response = await timedRequest({ agent: this.#agent, baseUrl: this.#baseUrl, method: 'GET', path: `/payments-summary?from=${from}&to=${to}`, timeoutMs: this.timeoutMs });
    return readSummary(response, EMPTY_BACKEND_SUMMARY);
  }

  close(): void {
    this.#agent.destroy();
  }
}

function paymentFailure(response: TimedResponse): Error {
  const error = new Error(response.status === 0 ? (response.error ?? 'no answer') : `HTTP ${response.status}`);
  error.name = response.status === 0 ? 'no answer' : 'refused';
  return error;
}
