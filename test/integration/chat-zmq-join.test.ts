import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChatSession } from '../../src/systems/chat/zmq/roles/chat-session.ts';
import { DEFAULT_STALE_AFTER_MS } from '../../src/systems/chat/zmq/roles/reference.ts';
import { ChatZmqCluster } from '../helpers/chat-zmq-fixture.ts';
import { sleep } from '../helpers/wait.ts';

/** Writers at once, so that the broker's round-robin takes writes to every server as soon as one is ready. */
const WRITERS = 12;
const WRITES_EACH = 10;

/**
 * Starts a server with `start` (resolving at its ready line) while WRITERS sessions wait, logged in, then has each
 * write WRITES_EACH publications at once. Each acknowledged write is looked for at that moment on every running
 * server: OK promises it is on every server alive at the time. Resolves with those missing somewhere.
 */
async function writeOnceReady(cluster: ChatZmqCluster, start: () => Promise<unknown>): Promise<string[]> {
  const tag = randomUUID().slice(0, 8);
  const channel = `join-${tag}`;
  const sessions = await Promise.all(Array.from({ length: WRITERS }, () => ChatSession.open({ broker: cluster.broker, proxy: cluster.proxy, timeoutMs: 2_000, retries: 5 })));
  const missing: string[] = [];
  try {
    for (const [n, session] of sessions.entries()) await session.login(`joiner-${tag}-${n}`);
    await sessions[0]!.createChannel(channel);
    await start();
    const readyAt = Date.now();
    await Promise.all(
      sessions.map(async (session, w) => {
        for (let n = 0; n < WRITES_EACH; n++) {
          const text = `${tag}-${w}-${n}`;
          await session.publish(channel, text);
          for (const name of cluster.running()) {
            const held = cluster.serverData(name).channel_messages.some((m) => m.channel === channel && m.message === text);
            if (!held) missing.push(`${text}, acknowledged at +${Date.now() - readyAt} ms, not on ${name}`);
          }
        }
      }),
    );
    return missing;
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

describe('chat over ZeroMQ: a server starting in a running cluster', { timeout: 240_000 }, () => {
  let cluster: ChatZmqCluster;
  before(async () => {
    cluster = await ChatZmqCluster.start({ servers: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('a new server: every write acknowledged once it is ready is on all three, whichever server took it', async () => {
    const missing = await writeOnceReady(cluster, () => cluster.startServer('s3'));
    assert.deepEqual(missing, [], `acknowledged writes missing from a running server:\n${missing.join('\n')}`);
  });

  it('a restarted server (on a new peer port): every write acknowledged once it is ready is on all three', async () => {
    await cluster.untilSettled(['s1', 's2', 's3']);
    // s2: its election asks s3 only, so s1 hears of it from nothing but s2 itself or the reference.
    const missing = await writeOnceReady(cluster, async () => {
      await cluster.kill('s2');
      await cluster.startServer('s2');
    });
    assert.deepEqual(missing, [], `acknowledged writes missing from a running server:\n${missing.join('\n')}`);
  });

  it('a server that starts while the reference is down stays off the broker until the reference answers and lists every live server, then holds every write', async () => {
    await cluster.untilSettled(['s1', 's2', 's3']);
    await cluster.killReference();
    let ready = false;
    const starting = cluster.startServer('s4').then(() => (ready = true));
    const missing = await writeOnceReady(cluster, async () => {
      // The others serve meanwhile, with the peers they knew; s4, knowing none, takes no request.
      const session = await ChatSession.open({ broker: cluster.broker, proxy: cluster.proxy, timeoutMs: 2_000, retries: 5 });
      try {
        await session.login(`meanwhile-${randomUUID().slice(0, 8)}`);
        for (let n = 0; n < 20; n++) await session.createChannel(`meanwhile-${randomUUID().slice(0, 8)}`);
        // Down longer than the reference keeps a silent server listed: started again, it lists s1 – s3 only once
        // they next beat, and s4, asking all along, is the first it hears from.
        await sleep(DEFAULT_STALE_AFTER_MS);
      } finally {
        await session.close();
      }
      assert.equal(ready, false, 's4 said it was ready with no reference to tell it its peers');
      await cluster.startReference();
      await starting;
    });
    assert.deepEqual(missing, [], `acknowledged writes missing from a running server:\n${missing.join('\n')}`);
  });
});
