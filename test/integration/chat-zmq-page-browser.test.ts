import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, launchBrowser } from '../helpers/browser.ts';
import { exitOf, freePort, startUp } from '../helpers/cli-process.ts';
import { waitFor } from '../helpers/wait.ts';

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

interface ServerRow {
  name: string;
  up: boolean;
  status?: { rank: number; coordinator: string | null; ops: number; offsetMs: number; berkeleyRounds: number };
}

/** An open SSE stream read as text, as it arrives. */
function openEvents(url: string): { text: () => string; failure: () => Error | undefined; close: () => void } {
  const abort = new AbortController();
  let text = '';
  let failure: Error | undefined;
  void (async () => {
    const response = await fetch(url, { signal: abort.signal });
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
    assert.match(response.headers.get('content-type')!, /text\/event-stream/);
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
  })().catch((err: Error) => {
    if (!abort.signal.aborted) failure = err;
  });
  return { text: () => text, failure: () => failure, close: () => abort.abort() };
}

/** The `publication` events received so far, parsed. */
function publications(text: string): Array<Record<string, unknown>> {
  return [...text.matchAll(/^event: publication\ndata: (.*)$/gm)].map((match) => JSON.parse(match[1]!) as Record<string, unknown>);
}

describe('the chat-zmq page of mensageiro up', { timeout: 150_000 }, () => {
  let port = 0;
  let up: ReturnType<typeof startUp>;
  const base = () => `http://127.0.0.1:${port}/chat-zmq`;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: string; data?: Record<string, unknown> } };
  };
  const state = async () =>
    (await (await fetch(`${base()}/state`)).json()) as { servers: ServerRow[]; coordinator: string | null; users: string[]; online: string[]; channels: string[]; sessions: number; feeds: number };

  before(async () => {
    port = await freePort();
    up = startUp(port);
    await waitFor(() => up.output().includes('mensageiro is up on'), 'the server to start', 30_000);
    await waitFor(async () => (await state()).coordinator !== null, 'the three servers to agree on a coordinator', 15_000);
  });
  // Ctrl-C must stop it, even right after a server was stopped and started again: it once hung here.
  after(async () => {
    up?.kill('SIGINT');
    try {
      assert.equal(await exitOf(up, 15_000), 0, 'mensageiro up exits on Ctrl-C');
    } finally {
      up?.kill('SIGKILL');
    }
  });

  describe('its HTTP routes', () => {
    it('answers with the server\'s reply, and with the server\'s reason when it refuses', async () => {
      const user = unique('ana');
      const channel = unique('room');
      const login = await post('/login', { user });
      assert.equal(login.status, 200);
      assert.equal(login.body.data?.status, 'sucesso');
      assert.equal(typeof login.body.data?.clock, 'number');
      assert.equal((await post('/channel', { channel })).status, 200);
      const again = await post('/channel', { channel, user });
      assert.equal(again.status, 422);
      assert.match(again.body.error!, /already exists/);
      const missing = await post('/publish', { user, channel: unique('nowhere'), message: 'hi' });
      assert.equal(missing.status, 422);
      assert.match(missing.body.error!, /does not exist/);
      const stranger = await post('/message', { src: user, dst: unique('nobody'), message: 'hi' });
      assert.equal(stranger.status, 422);
      assert.match(stranger.body.error!, /must log in/);
      assert.equal((await post('/publish', { user, channel, message: 'hello' })).status, 200);

      const now = await state();
      assert.ok(now.users.includes(user));
      assert.ok(now.channels.includes(channel));
      assert.deepEqual(now.servers.map((server) => server.name), ['s1', 's2', 's3']);
      for (const server of now.servers) assert.equal(server.up, true);
    });

    it('refuses bad input with a 4xx that says what is wrong', async () => {
      const cases: Array<[string, unknown, number, RegExp]> = [
        ['/login', {}, 400, /user/],
        ['/login', { user: 'x'.repeat(65) }, 400, /user/],
        ['/publish', { user: 'a', channel: 'b' }, 400, /message/],
        ['/publish', { user: 'a', channel: 'b', message: 'x'.repeat(4_097) }, 400, /message/],
        ['/message', { src: 'a', dst: '', message: 'x' }, 400, /dst/],
        ['/login', { user: 'y'.repeat(100_000) }, 413, /too large/i],
      ];
      for (const [path, body, status, reason] of cases) {
        const reply = await post(path, body);
        assert.equal(reply.status, status, `${path} ${JSON.stringify(body).slice(0, 60)}: ${JSON.stringify(reply.body)}`);
        assert.match(reply.body.error!, reason);
      }
      // Read as sentences, not as the validator's text ("body/user must NOT have fewer than 1 characters").
      assert.equal((await post('/login', {})).body.error, 'user is required');
      assert.equal((await post('/login', { user: '' })).body.error, 'user must not be empty');
      assert.equal((await post('/login', { user: 'x'.repeat(65) })).body.error, 'user must be at most 64 characters long');
      const notJson = await fetch(`${base()}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
      assert.equal(notJson.status, 400);

      assert.equal((await post('/servers/s9/stop', {})).status, 404);
      const running = await post('/servers/s1/start', {});
      assert.equal(running.status, 409);
      assert.match(running.body.error!, /already up/);

      const noUser = await fetch(`${base()}/events?channels=a`);
      assert.equal(noUser.status, 400);
      assert.match(((await noUser.json()) as { error: string }).error, /user/);
      const tooMany = await fetch(`${base()}/events?user=a&channels=${Array.from({ length: 33 }, (_, i) => `c${i}`).join(',')}`);
      assert.equal(tooMany.status, 400);
      assert.match(((await tooMany.json()) as { error: string }).error, /at most 32 channels/);
    });

    it('streams what a user receives as Server-Sent Events: their channels and their direct messages', async () => {
      const user = unique('bia');
      const channel = unique('news,today'); // a comma in a name travels percent-encoded
      assert.equal((await post('/login', { user })).status, 200);
      assert.equal((await post('/channel', { channel, user })).status, 200);
      const feedsBefore = (await state()).feeds;
      const events = openEvents(`${base()}/events?user=${encodeURIComponent(user)}&channels=${encodeURIComponent(encodeURIComponent(channel))}`);
      try {
        await waitFor(() => {
          if (events.failure()) throw events.failure()!;
          return events.text().includes('event: ready');
        }, 'the feed to be ready');
        assert.deepEqual(JSON.parse(/^event: ready\ndata: (.*)$/m.exec(events.text())![1]!), { user, channels: [channel] });
        assert.equal((await state()).feeds, feedsBefore + 1);
        assert.equal((await post('/publish', { user, channel, message: 'on the channel' })).status, 200);
        assert.equal((await post('/message', { src: user, dst: user, message: 'to myself' })).status, 200);
        await waitFor(() => publications(events.text()).length >= 2, 'both publications on the feed');
        const [first, second] = publications(events.text()).sort((a, b) => (a.clock as number) - (b.clock as number));
        assert.deepEqual({ ...first, at: undefined, clock: undefined, id: undefined }, { kind: 'channel', topic: channel, channel, user, message: 'on the channel', at: undefined, clock: undefined, id: undefined });
        assert.deepEqual({ ...second, at: undefined, clock: undefined, id: undefined }, { kind: 'dm', topic: user, user, message: 'to myself', at: undefined, clock: undefined, id: undefined });
        for (const event of [first!, second!]) {
          assert.equal(typeof event.id, 'string', 'the write\'s id, which the page shows once whether it comes live or from history');
          assert.ok(typeof event.clock === 'number' && event.clock > 0, 'a Lamport clock');
          assert.ok(typeof event.at === 'number' && Math.abs((event.at as number) - Date.now()) < 60_000, 'a timestamp in ms');
        }
      } finally {
        events.close();
      }
      await waitFor(async () => (await state()).feeds === feedsBefore, 'the feed to be closed once its client has gone');
    });

    it('keeps at most 50 users\' sessions open, closing the least recently used', async () => {
      const users = Array.from({ length: 55 }, (_, i) => unique(`u${i}`));
      for (const user of users) assert.equal((await post('/login', { user })).status, 200);
      assert.equal((await state()).sessions, 50);
      // The first users' sessions were closed; their next request opens a fresh one and works.
      assert.equal((await post('/message', { src: users[0], dst: users[54], message: 'still here' })).status, 200);
    });
  });

  describe('in a real browser', { skip: browserSkip() }, () => {
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
    });

    /** Opens the page, logs in, creates the channel and joins it; resolves once the feed follows it. */
    async function joinAs(user: string, channel: string): Promise<Page> {
      const page = await browser.browser.newPage();
      await page.goto(`${base()}/`);
      assert.equal(await page.title(), 'mensageiro · chat over ZeroMQ');
      await page.fill('#user', user);
      await page.click('#login');
      await waitFor(async () => (await page.locator('#whoami').getAttribute('data-user')) === user, 'the login to show');
      await page.fill('#new-channel', channel);
      await page.click('#create');
      const entry = page.locator(`#channels li[data-channel="${channel}"]`);
      await entry.waitFor();
      await entry.locator('button.join').click();
      await waitFor(
        async () => (await page.locator('#feed-status').getAttribute('data-state')) === 'live' && (await page.locator('#feed-status').innerText()).includes(`#${channel}`),
        'the feed to follow the channel',
      );
      return page;
    }

    async function publishAndSee(page: Page, channel: string, text: string): Promise<void> {
      assert.equal(await page.locator('#publish-channel').inputValue(), channel);
      await page.fill('#message', text);
      await page.click('#publish');
      const item = page.locator('#feed li', { hasText: text });
      await item.waitFor({ timeout: 15_000 });
      assert.equal(await item.getAttribute('data-kind'), 'channel');
      assert.equal(await item.locator('.where').innerText(), `#${channel}`);
    }

    it('logs in, creates and joins a channel, publishes, sends a direct message, and shows both in the live feed', async () => {
      const user = unique('caio');
      const channel = unique('lobby');
      const page = await joinAs(user, channel);
      await publishAndSee(page, channel, 'hello from the browser');
      const item = page.locator('#feed li', { hasText: 'hello from the browser' });
      assert.equal(await item.locator('.author').innerText(), user);
      assert.match(await item.locator('.clock').innerText(), /^L\d+$/);
      assert.match(await item.locator('time').innerText(), /\d/);

      await page.fill('#dst', user);
      await page.fill('#dm-message', 'a note to self');
      await page.click('#send-dm');
      const dm = page.locator('#feed li[data-kind="dm"]', { hasText: 'a note to self' });
      await dm.waitFor({ timeout: 15_000 });
      assert.equal(await dm.locator('.author').innerText(), user);

      await page.fill('#new-channel', channel);
      await page.click('#create');
      await waitFor(async () => /already exists/.test(await page.locator('#notice.error').innerText().catch(() => '')), 'the refusal to show');

      mkdirSync('.tmp', { recursive: true });
      await page.screenshot({ path: '.tmp/chat-zmq-page.png', fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: '.tmp/chat-zmq-page-dark.png', fullPage: true });
      await page.close();
    });

    it('shows a channel\'s recent history on join and again after a reload', async () => {
      const channel = unique('history');
      const first = await joinAs(unique('eva'), channel);
      await publishAndSee(first, channel, 'said before the reload');
      await first.reload();
      await first.locator('#feed li', { hasText: 'said before the reload' }).waitFor({ timeout: 10_000 });
      assert.equal(await first.locator('#feed li', { hasText: 'said before the reload' }).count(), 1, 'once, not twice');
      await first.close();

      // Someone who joins later sees what was said before.
      const later = await browser.browser.newPage();
      await later.goto(`${base()}/`);
      await later.fill('#user', unique('fred'));
      await later.click('#login');
      const entry = later.locator(`#channels li[data-channel="${channel}"]`);
      await entry.waitFor();
      await entry.locator('button.join').click();
      await later.locator('#feed li', { hasText: 'said before the reload' }).waitFor({ timeout: 10_000 });
      await later.close();
    });

    it('logs out: the feed stops, the user is no longer online, and the session count falls', async () => {
      const user = unique('gil');
      const page = await joinAs(user, unique('bye'));
      await waitFor(async () => (await state()).online.includes(user), 'the user to show as online');
      assert.equal(await page.locator(`#users li[data-user="${user}"].online`).count(), 1);
      const sessions = (await state()).sessions;
      await page.click('#logout');
      await waitFor(async () => (await page.locator('#whoami').innerText()) === 'not logged in', 'the page to show the logout');
      assert.equal(await page.locator('#feed-status').getAttribute('data-state'), 'offline');
      await waitFor(async () => !(await state()).online.includes(user), 'the user to be offline');
      assert.ok((await state()).sessions < sessions, 'the session closed');
      await page.reload();
      assert.equal(await page.locator('#whoami').innerText(), 'not logged in', 'a reload stays logged out');
      await page.close();
    });

    it('closes a session once its page is gone, so the count falls', async () => {
      const user = unique('hana');
      const page = await joinAs(user, unique('gone'));
      const sessions = (await state()).sessions;
      await page.close();
      await waitFor(async () => (await state()).sessions < sessions && !(await state()).online.includes(user), 'the session of a closed page to close', 30_000);
    });

    it('wraps a long name on a phone\'s screen', async () => {
      const user = `${'w'.repeat(56)}${randomUUID().slice(0, 8)}`;
      const channel = `${'c'.repeat(56)}${randomUUID().slice(0, 8)}`;
      const page = await joinAs(user, channel);
      await page.setViewportSize({ width: 390, height: 844 });
      await publishAndSee(page, channel, 'a long name');
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `nothing wider than the phone (${width} px)`);
      mkdirSync('.tmp', { recursive: true });
      await page.screenshot({ path: '.tmp/chat-zmq-phone.png', fullPage: true });
      await page.close();
    });

    it('fails over when the coordinator is stopped from its button, and catches up when it is started again', async () => {
      const channel = unique('ops');
      const page = await joinAs(unique('dora'), channel);
      const rows = page.locator('#servers tbody tr');
      await waitFor(async () => (await rows.count()) === 3 && (await page.locator('#servers tr.up').count()) === 3, 'three servers up in the table');
      const coordinatorOnPage = async () => (await page.locator('#coordinator').getAttribute('data-coordinator')) ?? '';
      await waitFor(async () => (await coordinatorOnPage()) !== '', 'the table to name a coordinator');
      const first = await coordinatorOnPage();
      const row = page.locator(`#servers tr[data-server="${first}"]`);
      assert.match(await row.locator('.role').innerText(), /coordinator/);

      await row.locator('button.stop').click();
      await waitFor(async () => (await row.getAttribute('class')) === 'down', `${first} to show as down`, 15_000);
      await waitFor(async () => !['', first].includes(await coordinatorOnPage()), 'another server to take over as coordinator', 20_000);
      const second = await coordinatorOnPage();
      assert.match(await page.locator(`#servers tr[data-server="${second}"] .role`).innerText(), /coordinator/);

      // Written while the first coordinator is down: it has to catch up with this.
      await publishAndSee(page, channel, 'while one server is down');

      await row.locator('button.start').click();
      const ops = async () => Promise.all((await rows.all()).map(async (tr) => (await tr.locator('.ops').innerText()).trim()));
      await waitFor(
        async () => {
          const counts = await ops();
          return (await row.getAttribute('class')) === 'up' && /^\d+$/.test(counts[0]!) && counts.every((count) => count === counts[0]);
        },
        `${first} to come back up holding as many ops as the others`,
        20_000,
      );
      const after = await state();
      const held = after.servers.map((server) => server.status?.ops);
      assert.ok(held.every((count) => count === held[0]), `every server holds the same ops: ${JSON.stringify(held)}`);
      await page.screenshot({ path: '.tmp/chat-zmq-failover.png', fullPage: true });
      await page.close();
    });
  });
});
