/**
 * The envelope kinds as plain constants, documented where they are public:
 * Kind in envelope.ts. zwire's own code reads them through a namespace import
 * (`import * as Kind from './kinds.js'`), which a bundler replaces by the
 * numbers; the properties of an object it keeps as lookups, with the object.
 * The client reads them the same way through protocol.ts (`Protocol.Call`).
 */
export const Call = 1;
export const Notify = 2;
export const Stream = 3;
export const ClientStream = 4;
export const Push = 5;
export const Credit = 6;
export const End = 7;
export const Cancel = 8;
export const Ping = 9;
export const Pong = 10;
export const Result = 11;
export const Error = 12;
export const Item = 13;
export const Done = 14;
export const Event = 15;
export const GoAway = 25;
export const Hello = 26;
export const Welcome = 27;
