import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';
import { freePort, startUp, stopGracefully } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

describe('landing page in a real browser', { skip: browserSkip(), timeout: 90_000 }, () => {
  let port = 0;
  let up: ReturnType<typeof startUp>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  before(async () => {
    port = await freePort();
    up = startUp(port);
    await waitFor(() => up.output().includes('mensageiro is up on'), 'the server to start', 30_000);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (up) await stopGracefully(up);
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
    assert.match(await cards.nth(1).locator('.status').innerText(), /open chat/);
    assert.match(await cards.nth(2).locator('.status').innerText(), /open fleet/);
    assert.match(await cards.nth(3).locator('.status').innerText(), /open payments/);
    assert.match(await cards.nth(4).locator('.status').innerText(), /open chat-zmq/);
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

  it('opens the ZeroMQ chat from its card: three servers up, one of them the coordinator', async () => {
    const page = await browser.browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.click('li[data-system="chat-zmq"] a.status');
    await page.waitForURL(`http://127.0.0.1:${port}/chat-zmq/`);
    await waitFor(async () => (await page.locator('#servers tr.up').count()) === 3, 'three servers up in the table', 15_000);
    await waitFor(async () => ((await page.locator('#coordinator').getAttribute('data-coordinator')) ?? '') !== '', 'a coordinator to be named', 15_000);
    assert.equal(await page.locator('#servers .role.coordinator').count(), 1);
    await page.close();
  });

  it('runs a short payment load from the payments page, charts it, and shows our summary matching the processors\'', async () => {
    const page = await browser.browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.click('li[data-system="payments"] a.status');
    await page.waitForURL(`http://127.0.0.1:${port}/payments/`);
    page.once('dialog', (dialog) => void dialog.accept()); // Purge asks first
    await page.click('#purge');
    await page.fill('#rate', '200');
    await page.fill('#seconds', '2');
    await page.click('#run');
    await page.locator('#chart svg.time-chart').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#result').innerText(), /400 of 400 answered 2xx/);
    const cell = (processor: string, side: string) => page.locator(`#summary tr[data-processor="${processor}"] td.${side}`);
    await waitFor(async () => (await cell('default', 'ours').innerText()) === '400' && (await cell('default', 'theirs').innerText()) === '400', 'our summary and the default processor\'s to show all 400', 10_000);

    // Make the default fail from the page: the next payments go to the fallback.
    await page.locator('#summary tr[data-processor="default"] input.failing').check();
    await waitFor(async () => ((await (await fetch(`http://127.0.0.1:${port}/payments/state`)).json()) as { processors: { default: { failing: boolean } } }).processors.default.failing, 'the default to fail');
    await page.fill('#rate', '50');
    await page.fill('#seconds', '1');
    await page.click('#run');
    await waitFor(async () => (await cell('fallback', 'ours').innerText()) === '50' && (await cell('fallback', 'theirs').innerText()) === '50', 'the fallback to take the next 50', 15_000);
    await page.screenshot({ path: '.tmp/payments-page.png', fullPage: true });
    await page.locator('#summary tr[data-processor="default"] input.failing').uncheck();
  });
});
