import type { Bus } from '../../src/kit/bus/bus.ts';
import { closeHttpServer } from '../../src/kit/observe/http-server.ts';
import { ChatHub } from '../../src/systems/chat/ws/roles/chat-hub.ts';
import type { ConnectionSettings } from '../../src/systems/chat/ws/roles/client-connection.ts';
import type { Presence } from '../../src/systems/chat/ws/roles/presence.ts';
import type { TokenAuth } from '../../src/systems/chat/ws/roles/token-auth.ts';
import type { MessageHistory, MessageLog } from '../../src/systems/chat/ws/store/message-log.ts';
import { startChatServer } from '../../src/systems/chat/ws/web/chat-ws-server.ts';

export interface ChatInstance {
  hub: ChatHub;
  /** ws://127.0.0.1:<port>/ws */
  url: string;
  /** http://127.0.0.1:<port> */
  http: string;
  close(): Promise<void>;
}

/** One chat instance in this process on a free port, wired as `chat ws server` wires it. */
export async function startChatInstance(options: {
  instanceId: string;
  bus: Bus;
  store: MessageLog & MessageHistory;
  /** Read history from here instead of the store. */
  history?: MessageHistory;
  presence: Presence;
  channel?: string;
  auth?: TokenAuth;
  connection?: Partial<ConnectionSettings>;
  pingIntervalMs?: number;
  maxConnections?: number;
  /** A port to listen on (default: any free one). */
  port?: number;
}): Promise<ChatInstance> {
  const hub = await ChatHub.start({
    instanceId: options.instanceId,
    bus: options.bus,
    channel: options.channel,
    messageLog: options.store,
    history: options.history ?? options.store,
    presence: options.presence,
    anonymous: options.auth === undefined,
    connection: options.connection,
    pingIntervalMs: options.pingIntervalMs,
  });
  const { app, port } = await startChatServer(hub, { port: options.port ?? 0, host: '127.0.0.1', auth: options.auth, maxConnections: options.maxConnections });
  return {
    hub,
    url: `ws://127.0.0.1:${port}/ws`,
    http: `http://127.0.0.1:${port}`,
    close: async () => {
      await closeHttpServer(app, 1_000);
      await hub.close();
    },
  };
}
