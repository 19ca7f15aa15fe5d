import type { Bus } from '../../../../kit/bus/bus.ts';
import type { Logger } from '../../../../kit/observe/log.ts';
import type { Presence } from '../../ws/roles/presence.ts';
import type { MessageLog } from '../../ws/store/message-log.ts';
import { ChatSession } from '../../zmq/roles/chat-session.ts';
import { DoorBridge } from './door-bridge.ts';

/** What the embedded WebSocket door lends the bridge: its bus, its presence and its message log. */
export interface EmbeddedWsDoor {
  bus: Bus;
  presence: Presence;
  messageLog: MessageLog;
  log: Logger;
}

/** Where the embedded ZeroMQ door listens. */
export interface EmbeddedZmqDoor {
  broker: string;
  proxy: string;
}

/**
 * In `mensageiro up` both doors run in one process, each mounted as its own module: each offers itself here when
 * it is up and withdraws when it closes, and the bridge runs while both are offered. One per process.
 */
const doors: { ws?: EmbeddedWsDoor; zmq?: EmbeddedZmqDoor; bridge?: Promise<DoorBridge | undefined> } = {};

export async function offerWsDoor(door: EmbeddedWsDoor): Promise<void> {
  doors.ws = door;
  await startWhenBoth();
}

export async function offerZmqDoor(door: EmbeddedZmqDoor): Promise<void> {
  doors.zmq = door;
  await startWhenBoth();
}

/** A door that closes takes the bridge down with it. */
export async function withdrawDoor(which: 'ws' | 'zmq'): Promise<void> {
  delete doors[which];
  const running = doors.bridge;
  doors.bridge = undefined;
  await (await running)?.close();
}

async function startWhenBoth(): Promise<void> {
  const { ws, zmq } = doors;
  if (!ws || !zmq || doors.bridge) return;
  doors.bridge = (async () => {
    const session = await ChatSession.open(zmq);
    try {
      return await DoorBridge.start({ instanceId: 'up-bridge', bus: ws.bus, messageLog: ws.messageLog, presence: ws.presence, session, log: ws.log });
    } catch (err) {
      ws.log.warn('the two chat doors could not be bridged; each runs on its own', { err });
      await session.close();
      return undefined;
    }
  })();
  await doors.bridge;
}
