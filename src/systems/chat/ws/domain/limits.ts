/** The reference's connection settings (gorilla/websocket in go-socket), and the bounds this server adds. */
export const PING_INTERVAL_MS = 54_000;
export const PONG_WAIT_MS = 60_000;
/** Largest client frame; a larger one closes the connection with 1009. */
export const MAX_FRAME_BYTES = 8_192;
/** Frames a connection may have queued for sending before it counts as a slow consumer. */
export const SEND_BUFFER_MESSAGES = 256;
/** Characters queued for one connection (its own queue), beside the messages bound: room for a full history. */
export const SEND_BUFFER_CHARS = 2_097_152;
/** Bytes handed to the socket and not yet written out before the server stops handing it more. */
export const SOCKET_HIGH_WATER_BYTES = 65_536;

export const RATE_PER_SECOND = 20;
export const RATE_BURST = 40;
/** Refused frames a connection may send (at 5 a second after a first 50) before it is closed with 4429. */
export const ABUSE_PER_SECOND = 5;
export const ABUSE_BURST = 50;

export const NAME_MAX_LENGTH = 64;
export const DEFAULT_HISTORY_LIMIT = 50;
export const MAX_HISTORY_LIMIT = 200;
/** Messages a reconnecting client can recover with `since`; more than that and it gets a history reset. */
export const RECOVERY_LIMIT = 200;
/** How far back a message can still be edited: the reference keeps a room's last 1000 messages. */
export const EDIT_WINDOW = 1_000;
export const MAX_ROOMS_PER_CONNECTION = 100;
export const MAX_CONNECTIONS = 10_000;
