import { z } from 'zod';
import type { MethodInfo, MethodKind, Schema, Service } from './service.js';
import type { TopicInfo } from './topic.js';

/** The reserved method name of the opt-in introspection call (`createServer(..., { introspection: true })`). */
export const DESCRIBE_METHOD = '$describe';

/** A JSON Schema document (draft 2020-12), as zod's `z.toJSONSchema` writes it. */
export type JsonSchema = Record<string, unknown>;

/** One method as `$describe` reports it. */
export interface MethodDescription {
  kind: MethodKind;
  /** The input schema (client streams: the item schema), or null when the method takes none. */
  input: JsonSchema | null;
  /** The result schema (server streams: the item schema), or null. */
  output: JsonSchema | null;
  resumable?: true;
}

/** One topic as `$describe` reports it. */
export interface TopicDescription {
  /** The key's schema, as a subscriber sends it. */
  key: JsonSchema;
  /** The schema of what is published, as subscribers receive it. */
  message: JsonSchema;
  /** What each subscriber shows to the others, or null when the topic keeps no presence. */
  presence: JsonSchema | null;
  /** The topic keeps history, so a subscriber can recover after a position (`zwire sub --since`). */
  history?: true;
  /** Clients may publish. */
  publish?: true;
}

/** What the `$describe` method answers: the service's methods and topics and their schemas. */
export interface ServiceDescription {
  /** The wire protocol: `zwire.rpc.v1`. */
  protocol: string;
  methods: Record<string, MethodDescription>;
  topics: Record<string, TopicDescription>;
}

/**
 * Describes a service with zod 4's `z.toJSONSchema`: inputs as the client
 * must send them, outputs as the server sends them. A schema JSON Schema
 * cannot express (a transform, `z.instanceof`) is reported as `{}` (anything).
 */
export function describeService(service: Service): ServiceDescription {
  const methods: Record<string, MethodDescription> = {};
  for (const info of service.table.values()) methods[info.name] = describeMethod(info);
  const topics: Record<string, TopicDescription> = {};
  for (const info of service.topics.values()) topics[info.name] = describeTopic(info);
  return { protocol: 'zwire.rpc.v1', methods, topics };
}

function describeTopic(info: TopicInfo): TopicDescription {
  const d: TopicDescription = {
    key: toJson(info.key, 'input') ?? {},
    message: toJson(info.message, 'output') ?? {},
    presence: toJson(info.presence, 'output'),
  };
  if (info.history !== null) d.history = true;
  if (info.clientPublish) d.publish = true;
  return d;
}

function describeMethod(info: MethodInfo): MethodDescription {
  const d: MethodDescription = { kind: info.kind, input: toJson(info.input, 'input'), output: toJson(info.output, 'output') };
  if (info.resumable) d.resumable = true;
  return d;
}

function toJson(schema: Schema | null, io: 'input' | 'output'): JsonSchema | null {
  if (schema === null) return null;
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  } catch {
    return {};
  }
}

/** The route `$describe` adds to a server, answered from a description made once. */
export function describeRoute(service: Service): { info: MethodInfo; handler: () => ServiceDescription } {
  let made: ServiceDescription | null = null;
  return {
    info: { name: DESCRIBE_METHOD, kind: 'unary', input: null, output: null, resumable: false },
    handler: () => (made ??= describeService(service)),
  };
}
