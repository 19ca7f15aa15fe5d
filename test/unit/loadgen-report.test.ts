import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type LoadResult, emitResults, formatTable, parseDuration, runClosed, runOpen, toJson, writeHtmlReport } from '../../src/kit/loadgen/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('loadgen results and reports', () => {
  let results: LoadResult[];
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loadgen-'));
    results = [
      await runOpen({ name: 'open <&> run', rate: 400, durationMs: 1_200, progress: false, task: async ({ iteration }) => {
        if (iteration % 50 === 0) throw new Error('one in fifty');
        await sleep(1 + (iteration % 5));
      } }),
      await runClosed({ name: 'closed run', vus: 4, durationMs: 300, progress: false, task: () => sleep(2) }),
    ];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives --json exactly the table fields plus name, model, durationMs and errors', () => {
    const json = toJson(results[0]!);
    assert.deepEqual(Object.keys(json).sort(), ['count', 'durationMs', 'errors', 'failed', 'max', 'model', 'name', 'ok', 'p50', 'p90', 'p99', 'p999', 'rps'].sort());
    assert.equal(json.count, 480);
    assert.equal(json.failed, 10);
    assert.deepEqual(json.errors, [{ error: 'Error: one in fifty', count: 10 }]);
    assert.ok(json.p50 > 0 && json.p50 <= json.p90 && json.p90 <= json.p99 && json.p99 <= json.p999 && json.p999 <= json.max);
    // Milliseconds with at most three decimals: whole microseconds.
    for (const value of [json.p50, json.p90, json.p99, json.p999, json.max]) assert.equal(Math.round(value * 1_000) / 1_000, value);
  });

  it('prints exactly one JSON object on stdout with --json, the table on stderr', async () => {
    const out = capture();
    const err = capture();
    await emitResults(results, { json: true, stdout: out.stream, stderr: err.stream });
    const lines = out.text().trim().split('\n');
    assert.equal(lines.length, 1);
    const parsed = JSON.parse(lines[0]!) as { results: { name: string }[] };
    assert.deepEqual(parsed.results.map((r) => r.name), ['open <&> run', 'closed run']);
    assert.match(err.text(), /p99\.9/);
  });

  it('renders the table with aligned columns, one row per result', () => {
    const table = formatTable(results).split('\n');
    const [header, first, second] = table;
    assert.match(header!, /^name\s+count\s+ok\s+failed\s+rps\s+p50\s+p90\s+p99\s+p99\.9\s+max$/);
    assert.equal(first!.length, header!.length);
    assert.equal(second!.length, header!.length);
    assert.ok(table.some((line) => line.includes('10 × Error: one in fifty')));
  });

  it('writes a self-contained HTML report with a latency-over-time chart and a histogram per result', async () => {
    const file = join(dir, 'nested', 'report.html');
    await writeHtmlReport(results, file);
    const html = readFileSync(file, 'utf8');
    assert.equal(html.match(/<svg class="chart time-chart"/g)?.length, 2);
    assert.equal(html.match(/<svg class="chart histogram-chart"/g)?.length, 2);
    assert.match(html, /<polyline[^>]*><title>p99<\/title>/);
    assert.match(html, /<rect class="bar"/);
    assert.ok(html.includes('open &lt;&amp;&gt; run'), 'names are escaped');
    assert.ok(!/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'nothing is loaded from elsewhere');
  });

  it('reads durations with units', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration(250), 250);
    assert.throws(() => parseDuration('10'), /with a unit/);
    assert.throws(() => parseDuration('fast'), /with a unit/);
  });
});
