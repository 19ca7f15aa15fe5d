import type { LoadResult } from '../../../../kit/loadgen/index.ts';
import type { Launch } from '../../../../kit/runtime/this-cli.ts';
import type { BenchOptions, ScenarioName } from './bench-options.ts';
import type { BenchReport, DeliveryScenarioReport, RequestScenarioReport, ScenarioReport } from './bench-report.ts';
import { type BenchClients, openBenchClients } from './bench-clients.ts';
import { BenchTopology, type TopologyEndpoints } from './bench-topology.ts';
import { runDelivery } from './delivery-scenario.ts';
import { runReads, runWrites } from './request-scenarios.ts';
import { watchTopology } from './topology-usage.ts';

/** One run of a scenario, before the topology's usage is added. */
type ScenarioRun = Omit<RequestScenarioReport, 'topology' | 'warmup'> | Omit<DeliveryScenarioReport, 'topology' | 'warmup'>;

/** The topology did not come up, or its servers never agreed on the bench's users and channels. */
export class TopologyStartError extends Error {}

/**
 * One bench run: its own topology from the compiled CLI, the clients and their setup, then each scenario with
 * the topology's memory and CPU measured around it. stop() tears everything down, whenever it is called.
 */
export class ChatBench {
  readonly #topology: BenchTopology;
  #clients: BenchClients | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly options: BenchOptions,
    cli: (args: readonly string[]) => Launch,
    private readonly log: (line: string) => void,
  ) {
    this.#topology = new BenchTopology({ cli, servers: options.servers, repSockets: options.repSockets });
  }

  async run(): Promise<BenchReport> {
    const { options } = this;
    this.log(`starting broker, proxy, reference and ${options.servers} servers (data in ${this.#topology.dataDir})…`);
    let endpoints: TopologyEndpoints;
    try {
      endpoints = await this.#topology.start();
      this.log(`topology up: broker ${endpoints.broker}, proxy ${endpoints.proxy}; logging in ${options.clients} clients…`);
      this.#clients = await openBenchClients({ endpoints, count: options.clients, servers: options.servers, timeoutMs: options.timeoutMs });
    } catch (err) {
      throw new TopologyStartError((err as Error).message, { cause: err });
    }
    const { sessions, channels } = this.#clients;
    const runScenario = async (scenario: ScenarioName, durationMs: number): Promise<ScenarioRun> => {
      const common = { sessions, durationMs, timeoutMs: options.timeoutMs };
      if (scenario === 'delivery') return { scenario, ...(await runDelivery({ ...common, endpoints, channel: channels.delivery, rate: options.rate, servers: options.servers })) };
      return { scenario, requests: await (scenario === 'reads' ? runReads : runWrites)({ ...common, channel: channels.writes }) };
    };
    const scenarios: ScenarioReport[] = [];
    for (const scenario of options.scenarios) {
      let warmup: LoadResult | undefined;
      if (options.warmupMs > 0) {
        this.log(`${scenario}: warming up for ${options.warmupMs / 1_000} s (reported apart, not held to the targets)…`);
        const run = await runScenario(scenario, options.warmupMs);
        const result = run.scenario === 'delivery' ? run.delivery : run.requests;
        warmup = { ...result, name: `${result.name} · warm-up` };
      }
      this.log(`${scenario} for ${options.durationMs / 1_000} s…`);
      const watch = watchTopology(() => this.#topology.pids());
      const run = await runScenario(scenario, options.durationMs);
      const topology = watch.stop();
      scenarios.push({ ...run, topology, warmup });
    }
    const { json: _json, ...shown } = options;
    return { options: shown, roles: this.#topology.names, scenarios, exited: this.#topology.exited };
  }

  /** Closes the clients, stops every role and removes the data directory. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#clients?.close();
      await this.#topology.stop();
    })();
    return this.#stopping;
  }
}
