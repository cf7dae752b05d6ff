import { z } from 'zod';
import { checkedBy, checkSchedulerOptions, type OptimizerEntry, type SchedulerEntry } from '@tensorfleet/core';

/** A parsed `{name, ...options}` choice. */
export type NamedOptions = { name: string } & Record<string, unknown>;

/**
 * `{name, ...options}` choices built from a registry: one strict object per entry (its options plus `name`), told
 * apart by `name`, then checked by the entry's own constructor so cross-option rules (SGD's nesterov) hold too.
 */
function namedChoice<E extends { options: z.ZodObject; doc: string }>(
  registry: Record<string, E>, defaultName: string, extra: z.ZodRawShape, check: (entry: E, options: Record<string, unknown>) => void,
) {
  const variants = Object.entries(registry).map(([name, entry]) =>
    entry.options.extend({ name: z.literal(name).describe(entry.doc), ...extra }),
  );
  const union = z.discriminatedUnion('name', variants as never) as unknown as z.ZodType<NamedOptions, Record<string, unknown>>;
  // `{lr: 0.1}` means the default optimizer with that lr, as it did before names were registry keys.
  const named = z.preprocess((v) => (isMap(v) && !('name' in v) ? { name: defaultName, ...v } : v), union);
  return checkedBy(named, (value) => {
    const { name, ...options } = value;
    for (const key of Object.keys(extra)) delete options[key];
    check(registry[name]!, options);
  });
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `optimizer: {name, ...options}`, from core's optimizer registry; `name` defaults to `defaultName`. */
export function optimizerChoice(registry: Record<string, OptimizerEntry>, defaultName: string) {
  return namedChoice(registry, defaultName, {}, (entry, options) => entry.create([new Float32Array(1)], options));
}

/** `scheduler: {name, ...options}`, from core's scheduler registry, plus `name: none`. */
export function schedulerChoice(registry: Record<string, SchedulerEntry>, defaultName: string, extra: z.ZodRawShape = {}) {
  const none = { none: { doc: 'a constant learning rate', options: z.object({}).strict() } } as unknown as Record<string, SchedulerEntry>;
  return namedChoice({ ...none, ...registry }, defaultName, extra, (entry, options) => {
    if (entry.stepsOn) checkSchedulerOptions(entry, options);
  });
}
