import type { ChatPersistence } from './persistence.ts';

/**
 * A persistence that is still opening, usable at once: its log and history wait for it. Embedded, PGlite's
 * first start (an initdb in WebAssembly) takes seconds to tens of seconds on a loaded machine; the page serves
 * meanwhile, and what is sent then is accepted when the database is ready. An opening that fails makes every
 * append and history question reject with its error, which a client sees as `unavailable`.
 */
export function openingPersistence(opening: Promise<ChatPersistence>): ChatPersistence & { ready(): boolean } {
  let opened: ChatPersistence | undefined;
  opening.then(
    (persistence) => void (opened = persistence),
    () => {}, // each use below rejects with it
  );
  return {
    ready: () => opened !== undefined,
    description: 'opening',
    log: {
      append: async (entry) => (await opening).log.append(entry),
      close: async () => {}, // the persistence's close() closes its log
    },
    history: {
      recent: async (room, limit) => (await opening).history.recent(room, limit),
      after: async (room, messageId, limit) => (await opening).history.after(room, messageId, limit),
    },
    async close() {
      const persistence = await opening.catch(() => undefined);
      await persistence?.close();
    },
  };
}
