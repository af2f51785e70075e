import type { CallMeta } from './codec.js';
import { parseMeta } from './observe.js';
import { MAX_CREDIT, MAX_METHOD_LENGTH } from './envelope.js';
import * as Kind from './kinds.js';

/** client -> server: open a unary call. */
export interface CallEnvelope {
  readonly kind: typeof Kind.Call;
  readonly id: number;
  readonly method: string;
  readonly input: unknown;
  /** Trace context and the like (see observe.ts), when the client sent any. */
  readonly meta: CallMeta | undefined;
}
/** client -> server: a notification (no id, no answer). */
export interface NotifyEnvelope {
  readonly kind: typeof Kind.Notify;
  readonly method: string;
  readonly input: unknown;
  readonly meta: CallMeta | undefined;
}
/** client -> server: open a server stream with an initial credit (0 allowed: a resumed stream whose buffer is full). */
export interface StreamEnvelope {
  readonly kind: typeof Kind.Stream;
  readonly id: number;
  readonly method: string;
  readonly credit: number;
  readonly lastEventId: string | undefined;
  readonly input: unknown;
  readonly meta: CallMeta | undefined;
}
/** client -> server: open a client stream. */
export interface ClientStreamEnvelope {
  readonly kind: typeof Kind.ClientStream;
  readonly id: number;
  readonly method: string;
  readonly meta: CallMeta | undefined;
}
/** client -> server: one client-stream item. */
export interface PushEnvelope {
  readonly kind: typeof Kind.Push;
  readonly id: number;
  readonly item: unknown;
}
/** Both ways: `n` more items for stream `id` (1..MAX_CREDIT). */
export interface CreditEnvelope {
  readonly kind: typeof Kind.Credit;
  readonly id: number;
  readonly n: number;
}
/** End (client stream finished) or Cancel (abandon a call), client -> server; Done (server stream finished), server -> client. */
export interface IdEnvelope {
  readonly kind: typeof Kind.End | typeof Kind.Cancel | typeof Kind.Done;
  readonly id: number;
}
/** Both ways: heartbeat request or answer. */
export interface PingEnvelope {
  readonly kind: typeof Kind.Ping | typeof Kind.Pong;
  readonly n: number;
}
/** server -> client: a unary or client-stream result. */
export interface ResultEnvelope {
  readonly kind: typeof Kind.Result;
  readonly id: number;
  readonly output: unknown;
}
/** server -> client: an error for a call, or for the connection (id 0). `code` is not checked against the known set here. */
export interface ErrorEnvelope {
  readonly kind: typeof Kind.Error;
  readonly id: number;
  readonly code: string;
  readonly message: string;
  readonly data: unknown;
}
/** server -> client: one server-stream item, tagged with an event id for Event. */
export interface ItemEnvelope {
  readonly kind: typeof Kind.Item | typeof Kind.Event;
  readonly id: number;
  readonly eventId: string | undefined;
  readonly item: unknown;
}
/** server -> client: the server is shutting down; see Kind.GoAway. */
export interface GoAwayEnvelope {
  readonly kind: typeof Kind.GoAway;
  readonly graceMs: number;
}

/** Every valid envelope, by kind. */
export type Envelope =
  | CallEnvelope
  | NotifyEnvelope
  | StreamEnvelope
  | ClientStreamEnvelope
  | PushEnvelope
  | CreditEnvelope
  | IdEnvelope
  | PingEnvelope
  | ResultEnvelope
  | ErrorEnvelope
  | ItemEnvelope
  | GoAwayEnvelope;

/** The kinds that open a call and so claim their id. */
export type OpeningKind = typeof Kind.Call | typeof Kind.Stream | typeof Kind.ClientStream;

/**
 * An envelope that could not be parsed. `id` is the call it names (0 when the
 * id itself is unreadable or the envelope concerns no call); `opens` tells
 * whether it tried to open that call.
 */
export interface EnvelopeFault {
  readonly kind: 0;
  readonly id: number;
  readonly opens: boolean;
  readonly message: string;
}

/** The kind of every parse failure. */
export const FAULT = 0;

/** Whether v is a call id: a positive safe integer. */
export function isCallId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** Whether v is a credit grant: a positive integer no larger than MAX_CREDIT. */
export function isCredit(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= MAX_CREDIT;
}

function fault(id: number, opens: boolean, message: string): EnvelopeFault {
  return { kind: FAULT, id, opens, message };
}

function methodFault(id: number, method: unknown): EnvelopeFault | null {
  if (typeof method !== 'string') return fault(id, true, 'method must be a string');
  if (method.length > MAX_METHOD_LENGTH) return fault(id, true, `method name longer than ${MAX_METHOD_LENGTH}`);
  return null;
}

const BAD_ID = fault(0, false, 'bad call id');
const NOT_ARRAY = fault(0, false, 'an envelope must be an array');

/** What the server sends and the client reads: the answers, stream items and flow control. */
export type ServerEnvelope = PingEnvelope | GoAwayEnvelope | ErrorEnvelope | CreditEnvelope | IdEnvelope | ResultEnvelope | ItemEnvelope;

/**
 * Turns a decoded message into a typed envelope, checking every field it
 * carries (ids, method names, credit, event ids); payloads (input, output,
 * items) are left to the schemas. Never throws.
 */
export function parseEnvelope(v: unknown): Envelope | EnvelopeFault {
  if (!Array.isArray(v)) return NOT_ARRAY;
  const kind: unknown = v[0];
  const id: unknown = v[1];
  switch (kind) {
    case Kind.Notify: {
      const method = v[1];
      if (typeof method !== 'string' || method.length > MAX_METHOD_LENGTH) return fault(0, false, `no notification ${typeof method === 'string' ? method.slice(0, MAX_METHOD_LENGTH) : String(method)}`);
      return { kind, method, input: v[2], meta: parseMeta(v[3]) };
    }
    case Kind.Call: {
      if (!isCallId(id)) return BAD_ID;
      return methodFault(id, v[2]) ?? { kind, id, method: v[2] as string, input: v[3], meta: parseMeta(v[4]) };
    }
    case Kind.Stream: {
      if (!isCallId(id)) return BAD_ID;
      const bad = methodFault(id, v[2]);
      if (bad !== null) return bad;
      const credit = v[3];
      if (credit !== 0 && !isCredit(credit)) return fault(id, true, `credit must be an integer from 0 to ${MAX_CREDIT}`);
      const last = v[4];
      if (last !== null && last !== undefined && typeof last !== 'string') return fault(id, true, 'lastEventId must be a string or null');
      return { kind, id, method: v[2] as string, credit, lastEventId: last ?? undefined, input: v[5], meta: parseMeta(v[6]) };
    }
    case Kind.ClientStream: {
      if (!isCallId(id)) return BAD_ID;
      return methodFault(id, v[2]) ?? { kind, id, method: v[2] as string, meta: parseMeta(v[3]) };
    }
    case Kind.Push:
      return isCallId(id) ? { kind, id, item: v[2] } : BAD_ID;
    case Kind.End:
    case Kind.Cancel:
      return isCallId(id) ? { kind, id } : BAD_ID;
  }
  return parseServerEnvelope(v);
}

/**
 * The client's parser: like parseEnvelope for the kinds a server sends
 * (and Ping, Pong, Credit, which go both ways); any other kind is unknown.
 * Kept apart so a browser bundle carries no parser of the client's own kinds.
 */
export function parseServerEnvelope(v: unknown): ServerEnvelope | EnvelopeFault {
  if (!Array.isArray(v)) return NOT_ARRAY;
  const kind: unknown = v[0];
  const id: unknown = v[1];
  switch (kind) {
    case Kind.Ping:
    case Kind.Pong:
      return { kind, n: typeof id === 'number' && Number.isSafeInteger(id) ? id : 0 };
    case Kind.GoAway:
      return { kind, graceMs: typeof id === 'number' && id >= 0 && Number.isSafeInteger(id) ? id : 0 };
    case Kind.Error: {
      if (id !== 0 && !isCallId(id)) return BAD_ID;
      const code = v[2];
      const message = v[3];
      return { kind, id, code: typeof code === 'string' ? code : String(code), message: typeof message === 'string' ? message : 'error', data: v[4] };
    }
  }
  if (!isCallId(id)) return kind === Kind.Credit || kind === Kind.Done || kind === Kind.Result || kind === Kind.Item || kind === Kind.Event ? BAD_ID : unknownKind(kind);
  switch (kind) {
    case Kind.Credit:
      return isCredit(v[2]) ? { kind, id, n: v[2] } : fault(id, false, `credit must be an integer from 1 to ${MAX_CREDIT}`);
    case Kind.Done:
      return { kind, id };
    case Kind.Result:
      return { kind, id, output: v[2] };
    case Kind.Item:
      return { kind, id, eventId: undefined, item: v[2] };
    case Kind.Event:
      return typeof v[2] === 'string' ? { kind, id, eventId: v[2], item: v[3] } : fault(id, false, 'event id must be a string');
  }
  return unknownKind(kind);
}

function unknownKind(kind: unknown): EnvelopeFault {
  return fault(0, false, `unknown envelope kind ${String(kind).slice(0, 32)}`);
}
