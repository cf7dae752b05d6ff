import { z } from 'zod';

/** The kinds of search-space dimension a study spec can declare. */
export const dimensionTypes = ['uniform', 'loguniform', 'int', 'choice', 'grid'] as const;
export type DimensionType = (typeof dimensionTypes)[number];

const bounds = {
  low: z.number({ error: 'expected a number' }),
  high: z.number({ error: 'expected a number' }),
  points: z.number().int().min(2).optional().describe('grid searcher only: evenly spaced points (log-spaced for loguniform)'),
};

/**
 * One dimension of a search space, as written in the spec. `choice` and `grid` values may themselves be mappings that
 * contain dimensions (a conditional space: e.g. each optimizer with its own lr range).
 *
 * @example
 * dimensionSchema.parse({ type: 'loguniform', low: 1e-4, high: 1e-1 });
 */
export const dimensionSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('uniform'), ...bounds })
    .strict()
    .refine((d) => d.low < d.high, { message: 'low must be smaller than high', path: ['high'] }),
  z
    .object({ type: z.literal('loguniform'), ...bounds })
    .strict()
    .refine((d) => d.low > 0, { message: 'loguniform needs low > 0 (it samples log(value))', path: ['low'] })
    .refine((d) => d.low < d.high, { message: 'low must be smaller than high', path: ['high'] }),
  z
    .object({
      type: z.literal('int'),
      low: z.number().int({ error: 'expected an integer' }),
      high: z.number().int({ error: 'expected an integer' }),
      step: z.number().int().min(1).default(1),
    })
    .strict()
    .refine((d) => d.low <= d.high, { message: 'low must not exceed high', path: ['high'] }),
  z.object({ type: z.literal('choice'), values: z.array(z.unknown()).min(1, 'choice needs at least one value') }).strict(),
  z.object({ type: z.literal('grid'), values: z.array(z.unknown()).min(1, 'grid needs at least one value') }).strict(),
], { error: (issue) => issue.code === 'invalid_union' ? `expected "type" to be one of ${dimensionTypes.join(', ')}` : undefined });

export type Dimension = z.output<typeof dimensionSchema>;
export type NumericDimension = Extract<Dimension, { type: 'uniform' | 'loguniform' | 'int' }>;

/** True when a value written in a spec is meant as a dimension (a mapping whose `type` names a dimension kind). */
export function looksLikeDimension(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (dimensionTypes as readonly string[]).includes((value as { type: string }).type)
  );
}
