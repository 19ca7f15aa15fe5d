import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';
import { freePort, startCli } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

describe('landing page in a real browser', { skip: browserSkip(), timeout: 90_000 }, () => {
  let port = 0;
  let up: ReturnType<typeof startCli>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  before(async () => {
    port = await freePort();
    up = startCli(['up', '--port', String(port), '--host', '127.0.0.1'], { DB_PATH: join(mkdtempSync(join(tmpdir(), 'up-')), 'sales.db') });
    await waitFor(() => up.output().includes('mensageiro is up on'), 'the server to start', 30_000);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    up?.kill('SIGINT');
  });

  it('shows a card per system with its status, and links to /health', async () => {
    const page = await browser.browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    assert.equal(await page.title(), 'mensageiro');
    const cards = page.locator('li.card');
    assert.equal(await cards.count(), 5);
    const names = await cards.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-system')));
    assert.deepEqual(names, ['sales', 'chat', 'fleet', 'payments', 'chat-zmq']);
    assert.match(await cards.nth(0).locator('.status').innerText(), /open sales/);
    for (let i = 1; i < 5; i++) assert.equal(await cards.nth(i).locator('.status').innerText(), 'not built yet');
    mkdirSync('.tmp', { recursive: true });
    await page.screenshot({ path: '.tmp/landing.png', fullPage: true });

    await page.click('a[href="/health"]');
    await page.waitForURL(`http://127.0.0.1:${port}/health`);
    const health = JSON.parse(await page.locator('body').innerText());
    assert.equal(health.status, 'ok');
  });

  it('runs a sales query from the sales page and shows the live worker statistics', async () => {
    const page = await browser.browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.click('li[data-system="sales"] a.status');
    await page.waitForURL(`http://127.0.0.1:${port}/sales/`);
    await page.selectOption('select[name="region"]', 'Europe');
    await page.selectOption('select[name="category"]', 'Computers');
    await page.fill('input[name="start_date"]', '2020-01-01');
    await page.fill('input[name="end_date"]', '2025-12-31');
    await page.click('button[type="submit"]');
    const answeredBy = page.locator('#result [data-field="answered by"]');
    await answeredBy.waitFor();
    assert.match(await answeredBy.innerText(), /mom-worker-[123] in/);
    const count = Number((await page.locator('#result [data-field="sales"]').innerText()).replace(/\D/g, ''));
    assert.ok(count > 0, 'Europe × Computers over six years has sales');

    const rows = page.locator('#workers tbody tr');
    await waitFor(async () => (await rows.count()) === 3, 'the worker table');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-worker'))), ['mom-worker-1', 'mom-worker-2', 'mom-worker-3']);
    await waitFor(async () => (await page.locator('#workers td.up').count()) === 3, 'all three workers to show as up');

    await page.fill('input[name="start_date"]', '2025-01-01');
    await page.fill('input[name="end_date"]', '2024-01-01');
    await page.click('button[type="submit"]');
    await waitFor(async () => (await page.locator('#result.error').count()) === 1, 'the error to show');
    assert.match(await page.locator('#result').innerText(), /start_date/);
    await page.screenshot({ path: '.tmp/sales-page.png', fullPage: true });
  });
});
