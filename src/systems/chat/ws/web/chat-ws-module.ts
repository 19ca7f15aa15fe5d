import type { SystemModule } from '../../../../kit/platform.ts';
import { ChatHub } from '../roles/chat-hub.ts';
import { MemoryPresence } from '../roles/memory-presence.ts';
import { MemoryMessageStore } from '../store/memory-history.ts';
import { mountChatRoutes } from './chat-ws-routes.ts';

/**
 * The WebSocket chat as a platform module: one instance on the platform's bus, anonymous (the page asks for a
 * name), its history and presence in this process. Its page and /ws live under /chat/.
 */
export function chatWsModule(): SystemModule {
  let hub: ChatHub | undefined;
  let store: MemoryMessageStore | undefined;
  return {
    name: 'chat',
    title: 'Chat — WebSocket front door',
    async mount(app, { bus, log }) {
      store = new MemoryMessageStore();
      hub = await ChatHub.start({ instanceId: 'up', bus, messageLog: store, history: store, presence: new MemoryPresence('up'), anonymous: true, log });
      mountChatRoutes(app, { hub, ownsServer: false });
    },
    async health() {
      if (!hub) return { healthy: false, summary: 'not started' };
      const { connections, rooms, messagesLastMinute: count } = hub.stats();
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      return { healthy: true, summary: `${plural(connections, 'connection')} · ${plural(rooms, 'room')} · ${plural(count, 'message')} in the last minute` };
    },
    async close() {
      await hub?.close();
      await store?.close();
    },
  };
}
