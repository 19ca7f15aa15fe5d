import type { SystemModule } from '../../../../kit/platform.ts';
import { offerWsDoor, withdrawDoor } from '../../bridge/roles/embedded-bridge.ts';
import { ChatHub } from '../roles/chat-hub.ts';
import { MemoryPresence } from '../roles/memory-presence.ts';
import { MemoryMessageStore } from '../store/memory-history.ts';
import { mountChatRoutes } from './chat-ws-routes.ts';

/**
 * The WebSocket chat as a platform module: one instance on the platform's bus, anonymous (the page asks for a
 * name), its history and presence in this process. Its page and /ws live under /chat/. When the ZeroMQ door
 * runs in the same process, the bridge joins them.
 */
export function chatWsModule(): SystemModule {
  let hub: ChatHub | undefined;
  let store: MemoryMessageStore | undefined;
  return {
    name: 'chat',
    title: 'Chat — WebSocket front door',
    async mount(app, { bus, log }) {
      store = new MemoryMessageStore();
      const presence = new MemoryPresence('up');
      hub = await ChatHub.start({ instanceId: 'up', bus, messageLog: store, history: store, presence, anonymous: true, log });
      mountChatRoutes(app, { hub, ownsServer: false });
      await offerWsDoor({ bus, presence, messageLog: store, log });
    },
    async health() {
      if (!hub) return { healthy: false, summary: 'not started' };
      const { connections, rooms, messagesLastMinute: count } = hub.stats();
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      return { healthy: true, summary: `${plural(connections, 'connection')} · ${plural(rooms, 'room')} · ${plural(count, 'message')} in the last minute` };
    },
    async close() {
      await withdrawDoor('ws');
      await hub?.close();
      await store?.close();
    },
  };
}
