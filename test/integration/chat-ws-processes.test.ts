import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ChatClient } from '../helpers/chat-ws-client.ts';
import { exitOf, freePort, startCli } from '../helpers/cli-process.ts';
import { engine } from '../helpers/engines.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const redis = engine('redis');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const user = (name: string) => ({ id: unique(name), username: name });

/** Resident memory of a process, in MB. */
function rssMb(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) / 1024;
}

describe('chat ws server processes on one Redis', { skip: redis.skip, timeout: 180_000 }, () => {
  const channel = unique('chat-ws-test');
  const keyPrefix = `${unique('chat-ws-test')}:`;
  const servers: Array<ReturnType<typeof startCli>> = [];
  const clients: ChatClient[] = [];

  /** `mensageiro chat ws server` as a process of its own, anonymous, presence expiring after 2 s. */
  const server = async (name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const port = await freePort();
    const args = ['chat', 'ws', 'server', '--port', String(port), '--host', '127.0.0.1', '--instance', name, '--bus', redis.url!, '--anonymous', '--channel', channel, '--key-prefix', keyPrefix, '--presence-ttl', '2s'];
    const cli = startCli([...args, ...extra], { MENSAGEIRO_LOG_LEVEL: 'warn', ...env });
    servers.push(cli);
    await waitFor(() => cli.output().includes('listening on') || cli.exitCode !== null, `server ${name} to listen`, 30_000);
    assert.equal(cli.exitCode, null, cli.output());
    return { cli, url: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}` };
  };
  const join = async (url: string, name: string, rooms: string[]) => {
    const client = await ChatClient.joined(url, user(name), rooms);
    clients.push(client);
    return client;
  };

  after(async () => {
    for (const client of clients) client.close();
    for (const cli of servers) {
      cli.kill('SIGINT');
      await exitOf(cli, 15_000).catch(() => cli.kill('SIGKILL'));
    }
  });

  it('drops a killed instance\'s users from presence within the expiry, and stops routing direct messages to them', async () => {
    const survivor = await server('survivor');
    const victim = await server('victim');
    const room = unique('room');
    const ana = await join(survivor.url, 'ana', [room]);
    const bia = await ChatClient.joined(victim.url, user('bia'), [room]);
    const biaId = (bia.of('presence_list').at(-1)!.presenceList as Array<{ id: string; username: string }>).find((u) => u.username === 'bia')!.id;
    const list = async () => ((await ana.ask({ type: 'presence', room }, (f) => f.type === 'presence_list')).presenceList as Array<{ username: string }>).map((u) => u.username).sort();
    assert.deepEqual(await list(), ['ana', 'bia']);
    victim.cli.kill('SIGKILL');
    await exitOf(victim.cli);
    // Asked four times a second at most: faster, the client would pass its own rate limit.
    await waitFor(async () => (await sleep(250), (await list()).join() === 'ana'), 'bia to leave the presence list', 20_000);
    const refused = await ana.ask({ type: 'direct_msg', toUserId: biaId, payload: 'are you there?' }, (f) => f.type === 'error');
    assert.equal(refused.code, 'user_offline');
    bia.close();
  });

  it('disconnects a client that stops reading with 1013, and holds its memory while a flood goes its way', async () => {
    // A heap too small to keep the flood: a server that buffered it for the silent client would die of it.
    const chat = await server('flooded', ['--rate', '1000000', '--burst', '1000000'], { NODE_OPTIONS: '--max-old-space-size=192' });
    const room = unique('room');
    const silent = await join(chat.url, 'silent', [room]);
    const sender = await join(chat.url, 'sender', [room]);
    silent.ws.pause();
    const pid = chat.cli.pid!;
    const before = rssMb(pid);
    const payload = 'x'.repeat(7_000);
    const batches = 150;
    const perBatch = 200;
    const health = async () => (await (await fetch(`${chat.http}/health`)).json()) as { slowConsumerCloses: number };
    let resumed = false;
    for (let batch = 0; batch < batches; batch++) {
      sender.frames.splice(0); // what the sender got is not needed past its batch
      for (let i = 0; i < perBatch; i++) sender.send({ type: 'publish', room, payload: { message: payload, n: batch * perBatch + i } });
      const last = batch * perBatch + perBatch - 1;
      await sender.next((f) => f.type === 'message' && (f.payload as { n: number }).n === last, `the echo of message ${last}`, 30_000);
      // Once the server has given up on it, the client reads again: in time to get the close frame before the
      // server stops waiting for the closing handshake (30 s), while the flood goes on.
      if (!resumed && (await health()).slowConsumerCloses > 0) {
        silent.ws.resume();
        resumed = true;
      }
    }
    const flooded = (batches * perBatch * payload.length) / 1024 / 1024;
    assert.equal((await health()).slowConsumerCloses, 1, 'the silent client, and only it, was disconnected as a slow consumer');
    assert.equal(chat.cli.exitCode, null, 'the server is still up');
    const grew = rssMb(pid) - before;
    assert.ok(grew < flooded / 2, `RSS grew ${grew.toFixed(0)} MB while ${flooded.toFixed(0)} MB went to a client that read nothing`);
    assert.ok(resumed);
    const closed = await silent.untilClosed(40_000);
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /slow consumer/);
  });
});
