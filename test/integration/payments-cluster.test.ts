import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRinhaBench } from '../../src/systems/payments/bench/rinha-bench.ts';
import { PREVIEW_SCRIPT } from '../../src/systems/payments/bench/rinha-scripts.ts';
import { binarySkip } from '../helpers/binaries.ts';
import { exitOf } from '../helpers/cli-process.ts';
import { type RunningPaymentsCluster, startPaymentsCluster } from '../helpers/payments-cluster.ts';
import { http, paymentBody } from '../helpers/payments-fixture.ts';
import { waitFor } from '../helpers/wait.ts';

/** GET on a backend's own unix socket, past nginx. */
function getOnSocket(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ socketPath, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const skip = binarySkip('nginx', ['/usr/sbin/nginx'], 'nginx') ?? binarySkip('redis-server', ['/usr/bin/redis-server'], 'redis-server');

describe('payments cluster: nginx, two backends, a private Redis', { skip, timeout: 240_000 }, () => {
  let running: RunningPaymentsCluster;
  let processors: RunningPaymentsCluster['processors'];
  let cluster: RunningPaymentsCluster['cluster'];
  let url = '';

  before(async () => {
    running = await startPaymentsCluster();
    ({ cluster, url, processors } = running);
  });

  async function recorded(): Promise<number> {
    const summary = (await http('GET', `${url}/payments-summary`)).json() as { default: { totalRequests: number }; fallback: { totalRequests: number } };
    return summary.default.totalRequests + summary.fallback.totalRequests;
  }

  after(() => running?.close());

  it('answers GET /payments-summary with no parameters, as the contest runner checks before it starts', async () => {
    const reply = await http('GET', `${url}/payments-summary`);
    assert.equal(reply.status, 200);
    assert.deepEqual(Object.keys(reply.json()), ['default', 'fallback']);
  });

  it('sends a repeated correlationId to the instance that saw it first, which refuses it', async () => {
    const id = randomUUID();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await http('POST', `${url}/payments`, paymentBody(5, id))).status);
    assert.deepEqual(statuses, [202, 409, 409, 409, 409, 409, 409, 409]);
    // Settled before the next test purges: a payment still on its way to a processor during a purge may be
    // stored by the processor yet dropped by the ledger, which the next test would count as an inconsistency.
    await waitFor(async () => (await recorded()) === 1, 'the accepted payment to be recorded', 10_000);
  });

  it('refuses the same UUID in other letter cases: nginx sends every spelling to the instance that saw it', async () => {
    const id = randomUUID();
    const already = await recorded();
    const variants = [id, id.toUpperCase(), ...Array.from({ length: 6 }, (_, n) => [...id].map((c, i) => ((i + n) % 3 === 0 ? c.toUpperCase() : c)).join(''))];
    const statuses: number[] = [];
    for (const variant of variants) statuses.push((await http('POST', `${url}/payments`, paymentBody(5, variant))).status);
    assert.deepEqual(statuses, [202, 409, 409, 409, 409, 409, 409, 409]);
    await waitFor(async () => (await recorded()) === already + 1, 'the accepted payment to be recorded', 10_000);
  });

  it('answers a body over 16 KiB with the documented JSON error, nginx as well as the backends', async () => {
    const reply = await http('POST', `${url}/payments`, JSON.stringify({ correlationId: randomUUID(), amount: 1, padding: 'x'.repeat(1_000_000) }));
    assert.equal(reply.status, 413);
    assert.match(reply.contentType, /application\/json/);
    assert.match(reply.json().error, /16384 bytes/);
  });

  it('passes a compressed preview run (100 VUs, 20 s, every stage): 0 inconsistencies, lag 0, no slush fund', async () => {
    const result = await runRinhaBench({ backendUrl: url, defaultUrl: processors.default.url, fallbackUrl: processors.fallback.url, script: PREVIEW_SCRIPT, vus: 100, durationMs: 20_000, progress: false });
    assert.equal(result.requests.failed, 0, JSON.stringify(result.failures));
    assert.ok(result.requests.ok > 500, `${result.requests.ok} payments`);
    assert.equal(result.inconsistencies, 0);
    assert.equal(result.lag, 0);
    assert.equal(result.caixaDois, false);
    assert.ok(result.checks >= 1, 'the consistency check ran');
    assert.ok(result.default.totalRequests > 0 && result.fallback.totalRequests > 0, 'the stages sent payments to both processors');
  });

  it('answered every payment at once: nginx sent each id, in any letter case, to the instance that answers for its shard', async () => {
    const dir = dirname(/Redis on (\S+?redis\.sock)/.exec(cluster.output())![1]!);
    for (const name of ['api1', 'api2']) {
      const metrics = await getOnSocket(join(dir, `${name}.sock`), '/metrics');
      assert.match(metrics, /^payments_claims_total\{answered="at once"\} [1-9]/m, name);
      assert.doesNotMatch(metrics, /^payments_claims_total\{answered="after the store"\}/m, name);
    }
  });

  it('stops every process on Ctrl-C and reports their CPU and memory', async () => {
    cluster.kill('SIGINT');
    assert.equal(await exitOf(cluster, 60_000), 0);
    assert.match(cluster.output(), /process\s+RSS MB\s+peak MB\s+CPU s/);
    for (const name of ['api1', 'api2', 'nginx', 'redis']) assert.match(cluster.output(), new RegExp(`^\\s+${name}\\s+\\d`, 'm'), name);
  });
});
