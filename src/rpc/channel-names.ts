import type { Schema } from './service.js';
import { channelName } from './topic.js';

/** The zod 4 definition parts read here. */
interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  catchall?: { _zod: { def: Def } };
  checks?: unknown[];
}

/** Channel names remembered per topic at most; past it they are forgotten all at once. */
const MAX_REMEMBERED = 4096;

/**
 * The one property of a key schema whose parsed values are objects holding
 * only that property, a string or a number: `z.object({ room: z.string() })`,
 * the usual key. Null for any other schema (or one with checks on the object,
 * which may rewrite it).
 */
function soleProperty(schema: Schema): string | null {
  const def = (schema as unknown as { _zod?: { def?: Def } })._zod?.def;
  if (def?.type !== 'object' || (def.checks?.length ?? 0) > 0 || def.shape === undefined) return null;
  const catchall = def.catchall?._zod.def.type;
  if (catchall !== undefined && catchall !== 'never') return null;
  const props = Object.keys(def.shape);
  if (props.length !== 1) return null;
  const type = def.shape[props[0]]._zod.def.type;
  return type === 'string' || type === 'number' ? props[0] : null;
}

/**
 * The channel names of one topic's validated keys. For a key of one string
 * or number property, names are remembered by that value: every publish
 * names its channel, and a name built anew is a new string the engine and
 * the fan-out must hash again, where a remembered one carries its hash.
 */
export class ChannelNames {
  private readonly prop: string | null;
  private readonly byValue = new Map<string | number, string>();

  constructor(
    private readonly topic: string,
    key: Schema,
  ) {
    this.prop = soleProperty(key);
  }

  /** The channel of a key validated against the topic's schema (channelName). */
  of(key: unknown): string {
    const prop = this.prop;
    if (prop === null) return channelName(this.topic, key);
    const value = (key as Record<string, unknown>)[prop];
    if (typeof value !== 'string' && typeof value !== 'number') return channelName(this.topic, key);
    let name = this.byValue.get(value);
    if (name === undefined) {
      name = channelName(this.topic, key);
      if (this.byValue.size >= MAX_REMEMBERED) this.byValue.clear();
      this.byValue.set(value, name);
    }
    return name;
  }
}
