import http from 'node:http';
import { type CliIo, UsageError, durationOption, parseOptions, positiveInteger } from '../../../kit/cli/args.ts';
import { formatDuration } from '../../../kit/loadgen/duration.ts';
import { timedRequest } from '../bench/processor-admin.ts';
import { watchHostSteal } from '../../../kit/observe/host-steal.ts';
import { RinhaAbort, runRinhaBench } from '../bench/rinha-bench.ts';
import { formatRinhaReport, toJson } from '../bench/rinha-report.ts';
import { RINHA_SCRIPTS, type RinhaScriptName, fitScript } from '../bench/rinha-scripts.ts';
import { watchCluster, watchProcesses } from './system-watch.ts';

export const BENCH_HELP = `usage: mensageiro payments bench --script preview|final [--vus N] [--duration 60s] [--url URL]
       [--processor-default URL] [--processor-fallback URL] [--token 123] [--json]

The Rinha de Backend 2025 load test, played as the official k6 scripts play it: setup (a new random admin
token on both processors, purges), payments VUs ramping from 1 to the peak (POST /payments, then 1 s of
sleep), a consistency check every 10 s, the processors' delays and failures changed on the script's
schedule, then the teardown and the official score (p99 bonus, 35% fine for any inconsistency, lag).

  --script S                 preview (550 VUs, 60 s, 19.90) or final (603 VUs, 300 s, 20.05)
  --vus N                    peak VUs instead of the script's
  --duration D               play the script compressed into D (stage times and check sleeps shrink with
                             it), e.g. --duration 20s --vus 100 for a quick run
  --url URL                  the backend under test (default http://localhost:9999)
  --processor-default URL    default payment processor (default http://localhost:8001)
  --processor-fallback URL   fallback payment processor (default http://localhost:8002)
  --token T                  the processors' admin token before the run (default 123); put back afterwards
  --watch-pids P,P,…         measure peak RSS and CPU of these processes and their children (by default, those
                             of a running mensageiro payments cluster, emulators excluded)
  --json                     print one JSON object on stdout; the report goes to stderr

Start the backend and the processor emulators first with: mensageiro payments cluster
`;

const HELP_COMMAND = 'mensageiro payments bench --help';

export async function benchCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(argv, HELP_COMMAND, {
    script: { type: 'string' },
    vus: { type: 'string' },
    duration: { type: 'string' },
    url: { type: 'string' },
    'processor-default': { type: 'string' },
    'processor-fallback': { type: 'string' },
    token: { type: 'string' },
    'watch-pids': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(BENCH_HELP);
    return 0;
  }
  if (values.script === undefined) throw new UsageError('choose a script: --script preview or --script final', HELP_COMMAND);
  if (!(values.script in RINHA_SCRIPTS)) throw new UsageError(`--script takes preview or final, got "${values.script}"`, HELP_COMMAND);
  const base = RINHA_SCRIPTS[values.script as RinhaScriptName];
  const vus = values.vus === undefined ? undefined : positiveInteger('--vus', values.vus, HELP_COMMAND);
  const durationMs = values.duration === undefined ? undefined : durationOption('--duration', values.duration, HELP_COMMAND);
  const backendUrl = urlOption('--url', values.url ?? 'http://localhost:9999');
  const defaultUrl = urlOption('--processor-default', values['processor-default'] ?? 'http://localhost:8001');
  const fallbackUrl = urlOption('--processor-fallback', values['processor-fallback'] ?? 'http://localhost:8002');
  const token = values.token ?? '123';
  const report = values.json ? io.stderr : io.stdout;

  const problems = await preflight(backendUrl, { default: defaultUrl, fallback: fallbackUrl }, token);
  if (problems.length > 0) {
    io.stderr.write(`${problems.map((p) => `payments bench: ${p}`).join('\n')}\n`);
    return 1;
  }

  const script = fitScript(base, { vus, durationMs });
  io.stderr.write(`payments bench: the ${script.name} script, ${script.maxVus} VUs for ${formatDuration(script.durationMs)}, against ${backendUrl}\n`);
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  const watch = values['watch-pids'] === undefined ? watchCluster() : watchProcesses(pidList(values['watch-pids']));
  const steal = watchHostSteal();
  try {
    const result = await runRinhaBench({
      backendUrl,
      defaultUrl,
      fallbackUrl,
      script: base,
      vus,
      durationMs,
      initialToken: token,
      // Erases the progress line first, or the warning would land on the end of it.
      log: (line) => io.stderr.write(`${(io.stderr as NodeJS.WriteStream).isTTY ? '\r\x1b[2K' : ''}k6: ${line}\n`),
      signal: interrupt.signal,
    });
    const usage = watch?.stop();
    const hostStealSeconds = steal.stop();
    report.write(formatRinhaReport(result));
    report.write(
      usage
        ? `system under test (${usage.processes.join(', ')}): peak RSS ${usage.memoryPeakMb} MB, CPU ${usage.cpuSeconds} s\n`
        : 'system under test: not measured (memory and CPU are measured when it runs under mensageiro payments cluster on this machine)\n',
    );
    if (hostStealSeconds !== undefined) report.write(`CPU time stolen by the host during the run: ${hostStealSeconds} s${hostStealSeconds > 1 ? ' (the latency figures suffer: compare with runs at a similar steal)' : ''}\n`);
    if (values.json) io.stdout.write(`${JSON.stringify(toJson(result, { memoryPeakMb: usage?.memoryPeakMb ?? null, cpuSeconds: usage?.cpuSeconds ?? null, hostStealSeconds: hostStealSeconds ?? null }))}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof RinhaAbort)) throw err;
    if (err.target === undefined) {
      io.stderr.write(`payments bench: interrupted before the end, so there is no score\n`);
      return 1;
    }
    const hint = err.status === 0 ? ` Is it running? Start everything with: mensageiro payments cluster` : '';
    io.stderr.write(`payments bench: aborted, as k6 would abort: ${err.message}.${hint}\n`);
    return 1;
  } finally {
    watch?.stop();
    process.off('SIGINT', onSignal);
  }
}

function pidList(value: string): Record<string, number> {
  const pids = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (pids.length === 0 || pids.some((p) => !/^\d+$/.test(p))) throw new UsageError(`--watch-pids takes process ids separated by commas, got "${value}"`, HELP_COMMAND);
  return Object.fromEntries(pids.map((p) => [`pid ${p}`, Number(p)]));
}

function urlOption(flag: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:') return url.origin;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag} takes an http:// URL, as in http://localhost:9999, got "${value}"`, HELP_COMMAND);
}

/**
 * What must answer before the test starts, with what to do about each thing that does not. The backend
 * check is the official runner's own (GET /payments-summary with no query, 3 s); the processors' is an
 * admin summary with the token the run will start from.
 */
async function preflight(backendUrl: string, processors: Record<'default' | 'fallback', string>, token: string): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: false });
  const get = (url: string, path: string, headers: Record<string, string> = {}) => timedRequest({ agent, baseUrl: new URL(url), method: 'GET', path, headers, timeoutMs: 3_000 });
  try {
    const [backend, pDefault, pFallback] = await Promise.all([
      get(backendUrl, '/payments-summary'),
      get(processors.default, '/admin/payments-summary', { 'x-rinha-token': token }),
      get(processors.fallback, '/admin/payments-summary', { 'x-rinha-token': token }),
    ]);
    const problems: string[] = [];
    const start = 'start the backend and both processors with: mensageiro payments cluster';
    if (backend.status === 0) problems.push(`nothing answers at ${backendUrl} (${backend.error}): ${start}`);
    else if (backend.status < 200 || backend.status >= 300) {
      problems.push(`the backend at ${backendUrl} answered HTTP ${backend.status} to GET /payments-summary with no query; the official runner waits for a 2xx there and never starts the test otherwise`);
    }
    for (const [name, url, reply] of [
      ['default', processors.default, pDefault],
      ['fallback', processors.fallback, pFallback],
    ] as const) {
      if (reply.status === 0) problems.push(`the ${name} processor does not answer at ${url} (${reply.error}): ${start}`);
      else if (reply.status === 401) {
        problems.push(`the ${name} processor at ${url} refuses the admin token "${token}": a run that died midway may have left its own token there; restart the processors, or pass --token`);
      } else if (reply.status !== 200) problems.push(`the ${name} processor at ${url} answered HTTP ${reply.status} to GET /admin/payments-summary; is it a Rinha payment processor?`);
    }
    return problems;
  } finally {
    agent.destroy();
  }
}
