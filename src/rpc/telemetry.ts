/**
 * The RPC folder's index for tracing calls from a client: the lazy
 * OpenTelemetry loader and the outcome helpers the server's observers use too.
 * Apart from protocol.ts because it names @opentelemetry/api (loaded only
 * when asked), which a browser bundle must not reach.
 */
export { loadTracing, otelApi } from './tracing.js';
export { outcomeOf, reportOutcome } from './observe.js';
