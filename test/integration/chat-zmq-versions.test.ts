import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ChatOp } from '../../src/systems/chat/domain/chat-op.ts';
import { openSqliteOpLog, readServerData } from '../../src/systems/chat/store/sqlite-op-log.ts';
import { startBroker } from '../../src/systems/chat/zmq/roles/broker.ts';
import type { ChatServer } from '../../src/systems/chat/zmq/roles/chat-server.ts';
import { startPubSubProxy } from '../../src/systems/chat/zmq/roles/proxy.ts';
import { startReference } from '../../src/systems/chat/zmq/roles/reference.ts';
import { startInProcessServer } from '../helpers/chat-zmq-fixture.ts';
import { waitFor } from '../helpers/wait.ts';

const LOCAL = 'tcp://127.0.0.1:0';
const AT = Date.UTC(2025, 9, 1, 12, 0, 0);

describe('chat over ZeroMQ: two versions of one write', { timeout: 60_000 }, () => {
  it('servers that wrote one request twice (a retry after a crash) end up holding the same version, on disk', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-versions-'));
    const shared: ChatOp[] = [
      { id: 'login-ana', origin: 's1', clock: 1, at: AT, kind: 'login', user: 'ana' },
      { id: 'channel-geral', origin: 's1', clock: 2, at: AT + 1, kind: 'channel', channel: 'geral' },
    ];
    // The same publish (id p-1), written by s1 and, after its retry, by s2: other clock, origin and time.
    const onS1: ChatOp = { id: 'p-1', origin: 's1', clock: 9, at: AT + 9_000, kind: 'publish', user: 'ana', channel: 'geral', message: 'oi' };
    const onS2: ChatOp = { ...onS1, origin: 's2', clock: 4, at: AT + 4_000 };
    for (const [name, version] of [['s1', onS1], ['s2', onS2]] as const) {
      const log = openSqliteOpLog(join(dataDir, `${name}.sqlite`));
      for (const op of [...shared, version]) log.append(op);
      log.close();
    }

    const broker = await startBroker({ frontend: LOCAL, backend: LOCAL });
    const proxy = await startPubSubProxy({ xsub: LOCAL, xpub: LOCAL });
    const reference = await startReference({ bind: LOCAL });
    const servers: ChatServer[] = [];
    try {
      for (const name of ['s1', 's2']) {
        servers.push(await startInProcessServer(name, { broker, proxy, reference }, dataDir, { repSockets: 1, timings: { antiEntropyMs: 200 } }));
      }
      const stored = (name: string) => readServerData(join(dataDir, `${name}.sqlite`)).channel_messages;
      const expected = [{ user: 'ana', channel: 'geral', message: 'oi', timestamp: onS2.at / 1_000, timestamp_iso: new Date(onS2.at).toISOString() }];
      await waitFor(() => JSON.stringify(stored('s1')) === JSON.stringify(expected), 's1 to take the version that sorts first (clock 4, from s2)', 10_000);
      assert.deepEqual(stored('s2'), expected, 's2 keeps its own, the first in Lamport order');
      assert.equal(stored('s1').length, 1, 'one message, not two');
    } finally {
      for (const server of servers) await server.close();
      await Promise.all([broker.close(), proxy.close(), reference.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
