import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import type { Bus } from '../../src/kit/bus/bus.ts';
import { createBus } from '../../src/kit/bus/registry.ts';
import { RedisPresence } from '../../src/systems/chat/ws/roles/redis-presence.ts';
import { MemoryMessageStore } from '../../src/systems/chat/ws/store/memory-history.ts';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';
import { type ChatInstance, startChatInstance } from '../helpers/chat-ws-instance.ts';
import { freePort, startUp, stopGracefully } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { waitFor } from '../helpers/wait.ts';

const redis = engine('redis');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Opens the chat page at `url`, takes a name and joins `room`; resolves once the room is live with the name in it. */
async function enter(page: Page, url: string, name: string, room: string): Promise<void> {
  await page.goto(url);
  assert.equal(await page.title(), 'mensageiro · chat');
  await page.fill('#name', name);
  await page.click('#use-name');
  await waitFor(async () => (await page.locator('#status').getAttribute('data-state')) === 'live', `${name}'s page to connect`);
  await page.fill('#new-room', room);
  await page.click('#join');
  await page.locator(`#presence li span:text-is("${name}")`).waitFor();
}

const texts = (page: Page) => page.locator('#messages li .text').allInnerTexts();

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#message', text);
  await page.click('#send');
}

describe('the chat ws page in a real browser', { skip: browserSkip() ?? redis.skip, timeout: 120_000 }, () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const store = new MemoryMessageStore();
  const channel = unique('chat-ws-page');
  const keyPrefix = `${unique('chat-ws-page')}:`;
  const buses: Bus[] = [];
  const connections: Redis[] = [];
  const instances: ChatInstance[] = [];

  /** An instance on the shared Redis; `port` to start one again where it was. */
  const instance = async (instanceId: string, port = 0) => {
    const bus = await createBus(redis.url!);
    const connection = new Redis(redis.url!);
    buses.push(bus);
    connections.push(connection);
    const chat = await startChatInstance({ instanceId, bus, store, channel, port, presence: new RedisPresence(connection, { instanceId, keyPrefix, ttlMs: 5_000 }) });
    instances.push(chat);
    return chat;
  };

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    for (const chat of instances) await chat.close();
    for (const bus of buses) await bus.close();
    for (const connection of connections) connection.disconnect();
  });

  it('two pages on two instances chat, see each other, see typing, and an edit changes on every page; a later page gets the history', async () => {
    const [a, b] = [await instance('a'), await instance('b')];
    const room = unique('room');
    const ana = await browser.browser.newPage();
    const bia = await browser.browser.newPage();
    await enter(ana, `${a.http}/`, 'ana', room);
    await enter(bia, `${b.http}/`, 'bia', room);
    assert.match(await ana.locator('#whoami').innerText(), /instance a/);
    assert.match(await bia.locator('#whoami').innerText(), /instance b/);
    await ana.locator('#presence li span:text-is("bia")').waitFor();
    await bia.locator('#presence li span:text-is("ana")').waitFor();

    await ana.locator('#message').pressSequentially('hel');
    await waitFor(async () => (await bia.locator('#typing').innerText()) === 'ana is typing…', 'bia to see ana typing');
    await ana.fill('#message', 'helo from a');
    await ana.click('#send');
    await say(bia, 'hi from b');
    for (const page of [ana, bia]) await waitFor(async () => (await texts(page)).join('|') === 'helo from a|hi from b', 'both messages on both pages, in order');
    await waitFor(async () => (await bia.locator('#typing').innerText()) === '', 'the typing line to clear once ana sent');

    await ana.locator('#messages li.mine button.edit').click();
    await ana.fill('#messages li.mine form input', 'hello from a');
    await ana.locator('#messages li.mine form button').click();
    for (const page of [ana, bia]) {
      await waitFor(async () => (await texts(page))[0] === 'hello from a', 'the edit on every page');
      assert.match(await page.locator('#messages li').first().locator('.note').innerText(), /edited/);
    }
    assert.equal(await bia.locator('#messages li').first().locator('button.edit').count(), 0, 'only the author may edit');

    const cid = await browser.browser.newPage();
    await enter(cid, `${a.http}/`, 'cid', room);
    await waitFor(async () => (await texts(cid)).join('|') === 'hello from a|hi from b', 'the history, edit applied, on the later page');
    mkdirSync('.tmp', { recursive: true });
    await ana.screenshot({ path: '.tmp/chat-ws-page.png', fullPage: true });
    for (const page of [ana, bia, cid]) await page.close();
  });

  it('sends a direct message to a user on another instance', async () => {
    const [a, b] = instances;
    const room = unique('room');
    const ana = await browser.browser.newPage();
    const bia = await browser.browser.newPage();
    await enter(ana, `${a!.http}/`, 'ana', room);
    await enter(bia, `${b!.http}/`, 'bia', room);
    await ana.locator('#presence li', { hasText: 'bia' }).locator('button').click();
    await ana.fill('#dm-text', 'psst, bia');
    await ana.click('#send-dm');
    await waitFor(async () => (await bia.locator('#dms li .text').allInnerTexts()).includes('psst, bia'), 'the direct message on bia\'s page');
    assert.match(await bia.locator('#dms li .author').first().innerText(), /^ana /);
    for (const page of [ana, bia]) await page.close();
  });

  it('reconnects by itself after its instance restarts, and shows what it missed meanwhile', async () => {
    const restartable = await instance('r');
    const other = instances[1]!;
    const port = Number(new URL(restartable.http).port);
    const room = unique('room');
    const ana = await browser.browser.newPage();
    const bia = await browser.browser.newPage();
    await enter(ana, `${restartable.http}/`, 'ana', room);
    await enter(bia, `${other.http}/`, 'bia', room);
    await say(bia, 'before');
    await waitFor(async () => (await texts(ana)).includes('before'), 'the first message');
    await restartable.close();
    await waitFor(async () => (await ana.locator('#status').getAttribute('data-state')) === 'retrying', 'ana\'s page to notice');
    await say(bia, 'missed 1');
    await say(bia, 'missed 2');
    await instance('r', port);
    await waitFor(async () => (await ana.locator('#status').getAttribute('data-state')) === 'live', 'ana\'s page to reconnect by itself', 30_000);
    await waitFor(async () => (await texts(ana)).join('|') === 'before|missed 1|missed 2', 'the missed messages, once each');
    for (const page of [ana, bia]) await page.close();
  });
});

describe('the chat page of mensageiro up', { skip: browserSkip(), timeout: 120_000 }, () => {
  let up: ReturnType<typeof startUp>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let port = 0;

  before(async () => {
    port = await freePort();
    up = startUp(port);
    await waitFor(() => up.output().includes('mensageiro is up on'), 'mensageiro up to start', 30_000);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (up) await stopGracefully(up);
  });

  it('lets two tabs chat under /chat/, and the landing page links to it', async () => {
    const landing = await browser.browser.newPage();
    await landing.goto(`http://127.0.0.1:${port}/`);
    await landing.click('li[data-system="chat"] a.status');
    await landing.waitForURL(`http://127.0.0.1:${port}/chat/`);
    const room = unique('room');
    const other = await browser.browser.newPage();
    await enter(landing, `http://127.0.0.1:${port}/chat/`, 'ana', room);
    await enter(other, `http://127.0.0.1:${port}/chat/`, 'bia', room);
    await say(landing, 'one process, two tabs');
    await waitFor(async () => (await texts(other)).includes('one process, two tabs'), 'the message in the other tab');
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { systems: Array<{ name: string; status: string }> };
    assert.deepEqual(health.systems.find((system) => system.name === 'chat'), { name: 'chat', status: 'up' });
  });
});
