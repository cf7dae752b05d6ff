import { z } from 'zod';

/**
 * The consistency modes a run may train in, by name: the one definition the config field, the CLI flag's check and
 * the parameter server's consistency registry (keyed by these names) are built from. Each mode's options schema
 * describes what its text form carries after the name (`ssp:S` is `{ bound: S }`).
 */
export const consistencySpecs = {
  sync: { doc: 'averaged lockstep steps', options: z.object({}).strict() },
  async: { doc: 'each gradient applied on arrival', options: z.object({}).strict() },
  ssp: { doc: 'async, at most S steps ahead of the slowest worker', options: z.object({ bound: z.number().int().min(0) }).strict() },
} as const;

export type ConsistencyName = keyof typeof consistencySpecs;

/** A parsed consistency mode: its name and options. */
export type ConsistencyChoice = { name: 'sync' } | { name: 'async' } | { name: 'ssp'; bound: number };

/** What a consistency text must look like, for error messages. */
export const consistencyExpected = '"sync", "async" or "ssp:S" (S a non-negative integer)';

/** The text form: a name, and for ssp its bound after a colon. */
const consistencyPattern = /^(sync|async)$|^ssp:(\d+)$/;

/**
 * Parses `sync`, `async` or `ssp:S` (undefined is the default, sync); throws naming the value otherwise.
 * @example
 * parseConsistency('ssp:2') // { name: 'ssp', bound: 2 }
 */
export function parseConsistency(text: unknown): ConsistencyChoice {
  if (text === undefined) return { name: 'sync' };
  const m = typeof text === 'string' ? consistencyPattern.exec(text) : null;
  if (!m) throw new Error(`consistency: expected ${consistencyExpected}, got ${JSON.stringify(text)}`);
  const choice = m[1] ? { name: m[1] } : { name: 'ssp', bound: Number(m[2]) };
  const { name, ...options } = choice;
  consistencySpecs[name as ConsistencyName].options.parse(options);
  return choice as ConsistencyChoice;
}

/**
 * The text form of a parsed mode (what logs and summaries show).
 * @example
 * consistencyText({ name: 'ssp', bound: 2 }) // 'ssp:2'
 */
export const consistencyText = (c: ConsistencyChoice): string => (c.name === 'ssp' ? `ssp:${c.bound}` : c.name);

/** The config field: a consistency text, checked by {@link parseConsistency}. */
export const consistencyField = z.string().refine((s) => consistencyPattern.test(s), `expected ${consistencyExpected}`);
