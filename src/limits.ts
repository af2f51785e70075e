/**
 * The defaults of the size limits that more than one layer applies to the
 * same network input (the frame parser and the connection, the connection and
 * permessage-deflate), in one place. Like errors.ts it sits outside every
 * layer, so each may read it without importing another.
 */

/** Largest frame payload accepted, in bytes: 64 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024 * 1024;

/** Largest message accepted, in bytes, after inflation too: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
