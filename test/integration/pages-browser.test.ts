import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';
import { exitOf, freePort, startCli, startUp, stopGracefully } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

const PAGES = [
  { path: '/', docs: null },
  { path: '/sales/', docs: '/docs/sales.md' },
  { path: '/fleet/', docs: '/docs/fleet.md' },
  { path: '/payments/', docs: '/docs/payments.md' },
  { path: '/chat-zmq/', docs: '/docs/chat-zmq.md' },
];
const PHONE = { width: 390, height: 844 };

/** The relative luminance of a CSS rgb() colour, 0 (black) to 1 (white). */
const luminance = (rgb: string) => {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number) as [number, number, number];
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
};

describe('the pages of mensageiro up, in a real browser', { skip: browserSkip(), timeout: 240_000 }, () => {
  let port = 0;
  let up: ReturnType<typeof startCli>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  before(async () => {
    mkdirSync('.tmp', { recursive: true });
    port = await freePort();
    up = startUp(port);
    await waitFor(() => up.output().includes('mensageiro is up on'), 'the server to start', 60_000);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (up) await stopGracefully(up);
  });

  async function open(path: string, options: { phone?: boolean; dark?: boolean } = {}): Promise<Page> {
    const page = await browser.browser.newPage(options.phone ? { viewport: PHONE } : {});
    if (options.dark) await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(url(path));
    return page;
  }

  it('every page shares one shell: a link home, its docs, a favicon, and no script inside the HTML', async () => {
    for (const { path, docs } of PAGES) {
      const page = await open(path);
      assert.equal(await page.locator('header.shell a.home[href="/"]').count(), 1, `${path}: a link back to the landing page`);
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      assert.ok(icon, `${path}: a favicon`);
      assert.equal((await fetch(new URL(icon, url(path)))).status, 200, `${path}: the favicon loads`);
      assert.equal(await page.locator('script:not([src]):not([type="importmap"])').count(), 0, `${path}: its script is a file, not inline`);
      for (const src of await page.locator('script[src]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('src')!))) {
        const script = await fetch(new URL(src, url(path)));
        assert.equal(script.status, 200, src);
        assert.match(script.headers.get('content-type')!, /javascript/);
      }
      if (docs) {
        assert.equal(await page.locator(`header.shell a.docs[href="${docs}"]`).count(), 1, `${path}: a link to its docs`);
        await page.click('header.shell a.docs');
        await page.waitForURL(url(docs));
        assert.match(await page.locator('body').innerText(), /^# /m, `${docs} shows the page's markdown`);
        assert.equal(await page.locator('header.shell a.home[href="/"]').count(), 1, `${docs}: the shell too`);
      }
      await page.close();
    }
  });

  it('every page follows the system\'s dark mode and fits a phone\'s width', async () => {
    for (const { path } of PAGES) {
      const light = await open(path);
      const lightBackground = await light.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      await light.close();
      const page = await open(path, { phone: true, dark: true });
      await page.waitForTimeout(1_500); // the pages fill their tables from their first poll
      const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      const text = await page.evaluate<string>('getComputedStyle(document.body).color');
      assert.ok(luminance(background) < 0.2, `${path}: a dark background in dark mode, got ${background}`);
      assert.ok(luminance(text) > 0.7, `${path}: light text in dark mode, got ${text}`);
      assert.ok(luminance(lightBackground) > 0.8, `${path}: a light background in light mode, got ${lightBackground}`);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= PHONE.width, `${path}: nothing wider than the phone (${width} px)`);
      await page.screenshot({ path: `.tmp/phone-dark${path.replace(/\//g, '-') || '-'}.png`, fullPage: true });
      await page.close();
    }
  });

  it('the landing page shows each built system\'s live health and a figure, and links the docs in its footer', async () => {
    const page = await open('/');
    const card = (name: string) => page.locator(`li[data-system="${name}"]`);
    for (const name of ['sales', 'chat', 'fleet', 'payments', 'chat-zmq']) {
      await waitFor(async () => (await card(name).locator('.health').getAttribute('data-health')) === 'up', `${name} to show as up`, 20_000);
      // fleet's card says it is starting its database until PGlite is up
      await waitFor(async () => /in the last minute/.test(await card(name).locator('.figure').innerText()), `${name}'s figure`, 30_000);
    }
    assert.ok((await page.locator('footer a[href^="/docs/"]').count()) >= 1, 'the footer links the docs');

    const figure = async () => Number(/(\d+) quer/.exec(await card('sales').locator('.figure').innerText())?.[1] ?? -1);
    const before = await figure();
    const query = await fetch(url('/sales/query'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"region":"Europe"}' });
    assert.equal(query.status, 200);
    await waitFor(async () => (await figure()) === before + 1, 'the sales card to count the query', 10_000);
    await page.close();
  });

  it('reads a bad request\'s reason as a sentence', async () => {
    const page = await open('/chat-zmq/');
    await page.fill('#user', '');
    await page.click('#login');
    await waitFor(async () => (await page.locator('#notice.error').count()) === 1, 'the refusal to show');
    assert.equal(await page.locator('#notice').innerText(), 'user must not be empty');
    await page.close();
  });

  it('the fleet page creates an order, shows its event published and its state changing, and a refused change\'s reason', async () => {
    const page = await open('/fleet/');
    await waitFor(async () => (await page.locator('#outbox [data-outbox="PUBLISHED"]').count()) === 1, 'the embedded database to start', 60_000);
    await page.fill('input[name="id"]', 'browser-order-1');
    await page.fill('input[name="price"]', '0.1');
    await page.fill('input[name="tax"]', '0.2');
    await page.click('#create button[type="submit"]');
    await waitFor(async () => (await page.locator('#result').innerText()) === 'created browser-order-1: final price 0.30', 'the order to be created');
    const row = page.locator('tr[data-order="browser-order-1"]');
    await row.waitFor();
    assert.equal(await row.locator('.status').innerText(), 'PENDING');
    await waitFor(async () => Number(await page.locator('#outbox [data-outbox="PUBLISHED"] .count').innerText()) >= 1, 'its event to be published', 10_000);
    await row.locator('button', { hasText: 'deliver' }).click();
    await waitFor(async () => /cannot be delivered/.test(await page.locator('#result.error').innerText().catch(() => '')), 'the refusal to show');
    assert.equal(await page.locator('#result').innerText(), 'browser-order-1: the order is PENDING: it cannot be delivered');
    await row.locator('button', { hasText: 'cancel' }).click();
    await waitFor(async () => (await row.locator('.status').innerText()) === 'CANCELLED', 'the row to show the order cancelled');
    assert.equal(await row.locator('button').count(), 0, 'a cancelled order offers no more changes');
    await page.close();
  });

  it('the payments page asks before purging, purges the processors too, and shows payments in flight as in flight', async () => {
    const page = await open('/payments/');
    const cell = (processor: string, side: string) => page.locator(`#summary tr[data-processor="${processor}"] td.${side}`);
    await cell('default', 'ours').waitFor();
    await page.fill('#rate', '100');
    await page.fill('#seconds', '1');
    await page.click('#run');
    await waitFor(async () => (await cell('default', 'theirs').innerText()) === '100', 'the default processor to hold 100', 20_000);

    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.dismiss();
    });
    await page.click('#purge');
    await waitFor(() => asked !== '', 'the page to ask before purging');
    assert.match(asked, /purge/i);
    await page.waitForTimeout(1_500);
    assert.equal(await cell('default', 'ours').innerText(), '100', 'a dismissed purge purges nothing');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#purge');
    for (const processor of ['default', 'fallback']) {
      await waitFor(
        async () => (await cell(processor, 'ours').innerText()) === '0' && (await cell(processor, 'theirs').innerText()) === '0',
        `both sides of ${processor} to be cleared`,
        10_000,
      );
    }
    assert.equal(await page.locator('#summary td.match.mismatch').count(), 0, 'nothing shows as a mismatch after a purge');

    // Each payment waits 1 s at either processor: until it is answered, it is in flight, not a mismatch. (A processor
    // slower than the routing policy's 1.2 s gets nothing, so a longer delay would hold the payments back instead.)
    const setDelay = async (ms: number) => {
      for (const processor of ['default', 'fallback']) {
        await page.fill(`tr[data-processor="${processor}"] input.delay`, String(ms));
        await page.locator(`tr[data-processor="${processor}"] input.delay`).press('Enter');
      }
      await waitFor(async () => {
        const { processors } = (await (await fetch(url('/payments/state'))).json()) as { processors: Record<string, { delayMs: number }> };
        return processors.default!.delayMs === ms && processors.fallback!.delayMs === ms;
      }, `the delays to be ${ms} ms`);
    };
    await setDelay(1000);
    await page.fill('#rate', '20');
    await page.fill('#seconds', '1');
    await page.click('#run');
    await waitFor(async () => (await page.locator('#summary td.match.in-flight').count()) >= 1, 'a row to show payments in flight', 10_000);
    assert.equal(await page.locator('#summary td.match.mismatch').count(), 0);
    const ours = async () => Number(await cell('default', 'ours').innerText()) + Number(await cell('fallback', 'ours').innerText());
    await waitFor(async () => (await ours()) === 20 && (await page.locator('#summary td.match.ok').count()) === 2, 'the 20 to settle and match', 30_000);
    await setDelay(0);
    await page.close();
  });

  // Last: it stops the server.
  it('every page says so when the server is gone, instead of waiting forever or showing stale green', async () => {
    const sales = await open('/sales/');
    const chat = await open('/chat-zmq/');
    const payments = await open('/payments/');
    const landing = await open('/');
    await waitFor(async () => (await chat.locator('#servers tr.up').count()) === 3, 'the chat servers to show as up', 20_000);
    await payments.locator('#summary tr[data-processor="default"]').waitFor();

    up.kill('SIGINT');
    await exitOf(up, 20_000);

    await sales.click('button[type="submit"]');
    await waitFor(async () => (await sales.locator('#result.error').count()) === 1, 'the sales page to show the failure', 10_000);
    assert.match(await sales.locator('#result').innerText(), /server/i);
    assert.notEqual(await sales.locator('#result').innerText(), 'running…');
    for (const [name, page] of [['sales', sales], ['chat', chat], ['payments', payments], ['landing', landing]] as const) {
      await waitFor(async () => await page.locator('#connection').isVisible(), `the ${name} page to say the server does not answer`, 10_000);
      assert.match(await page.locator('#connection').innerText(), /not answer/);
    }
    await waitFor(async () => (await chat.locator('#servers tr.up').count()) === 0, 'no chat server left green', 10_000);
    await waitFor(async () => (await landing.locator('.health[data-health="up"]').count()) === 0, 'no landing card left green', 10_000);
    await chat.screenshot({ path: '.tmp/chat-zmq-server-gone.png', fullPage: true });
  });
});
