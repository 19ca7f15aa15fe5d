import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SystemModule } from '../../../../kit/platform.ts';
import { offerWsDoor, withdrawDoor } from '../../bridge/roles/embedded-bridge.ts';
import { ChatHub } from '../roles/chat-hub.ts';
import { MemoryPresence } from '../roles/memory-presence.ts';
import { openingPersistence } from '../roles/opening-persistence.ts';
import { openPersistence } from '../roles/persistence.ts';
import { mountChatRoutes } from './chat-ws-routes.ts';

/**
 * The WebSocket chat as a platform module: one instance on the platform's bus, anonymous (the page asks for a
 * name), presence in this process. Accepted messages go to an in-process log and from it, through a persister in
 * this process, into PGlite in a temporary directory removed on close; PGlite opens while the page already serves. Its page and /ws live under /chat/.
 * When the ZeroMQ door runs in the same process, the bridge joins them, on the same log.
 */
export function chatWsModule(): SystemModule {
  let hub: ChatHub | undefined;
  let persistence: ReturnType<typeof openingPersistence> | undefined;
  let dataDir: string | undefined;
  return {
    name: 'chat',
    title: 'Chat — WebSocket front door',
    async mount(app, { bus, log }) {
      dataDir = mkdtempSync(join(tmpdir(), 'mensageiro-chat-ws-up-'));
      const opening = openPersistence({ dataDir });
      opening.catch((err: unknown) => log.error('the chat history could not be opened: messages are refused as unavailable', { err }));
      persistence = openingPersistence(opening);
      const presence = new MemoryPresence('up');
      hub = await ChatHub.start({ instanceId: 'up', bus, messageLog: persistence.log, history: persistence.history, presence, anonymous: true, log });
      mountChatRoutes(app, { hub, ownsServer: false });
      await offerWsDoor({ bus, presence, messageLog: persistence.log, log });
    },
    async health() {
      if (!hub) return { healthy: false, summary: 'not started' };
      if (!persistence?.ready()) return { healthy: true, summary: 'history opening (PGlite)' };
      const { connections, rooms, messagesLastMinute: count } = hub.stats();
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      return { healthy: true, summary: `${plural(connections, 'connection')} · ${plural(rooms, 'room')} · ${plural(count, 'message')} in the last minute` };
    },
    async close() {
      await withdrawDoor('ws');
      await hub?.close();
      await persistence?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
