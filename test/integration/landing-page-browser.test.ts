import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
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
    up = startCli(['up', '--port', String(port), '--host', '127.0.0.1']);
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
    for (let i = 0; i < 5; i++) assert.equal(await cards.nth(i).locator('.status').innerText(), 'not built yet');
    mkdirSync('.tmp', { recursive: true });
    await page.screenshot({ path: '.tmp/landing.png', fullPage: true });

    await page.click('a[href="/health"]');
    await page.waitForURL(`http://127.0.0.1:${port}/health`);
    const health = JSON.parse(await page.locator('body').innerText());
    assert.equal(health.status, 'ok');
  });
});
