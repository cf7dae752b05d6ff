import { z } from 'zod';

/** One kind of a `{kind: body}` choice (a data source, a model source): its doc and the schema of its body. */
export interface KindEntry {
  doc: string;
  /** The body's schema; `null` for a kind written as a bare name (`source: mnist-digits`). */
  body: z.ZodType | null;
}

/** Metadata a kind choice carries, so the config reference can document every kind from the registry itself. */
export interface KindsMeta {
  kinds: Record<string, KindEntry>;
}

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/**
 * A zod field for "one of these kinds": a bare name for body-less kinds, or a one-key map `{kind: body}` whose body
 * is checked by that kind's schema (issues keep their path, e.g. `data.source.idx.images`). The registry is read at
 * parse time, so a kind registered later is accepted everywhere at once.
 * @example
 * const source = kindChoice({ 'mnist-digits': { doc: '...', body: null }, csv: { doc: '...', body: csvBody } });
 * source.parse({ csv: { path: 'a.csv' } }); // { csv: { path: 'a.csv', ... } }
 */
export function kindChoice<T = unknown>(kinds: Record<string, KindEntry>) {
  const expected = () => {
    const names = Object.entries(kinds).map(([k, e]) => (e.body === null ? `"${k}"` : `{${k}: ...}`));
    return `one of ${names.join(', ')}`;
  };
  return z
    .unknown()
    .transform((value, ctx): T => {
      if (typeof value === 'string' && kinds[value]?.body === null) return value as T;
      const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
      const keys = isMap ? Object.keys(value) : [];
      const kind = keys.length === 1 ? kinds[keys[0]!] : undefined;
      if (!kind || kind.body === null) {
        ctx.addIssue({ code: 'custom', message: `expected ${expected()}, got ${show(value)}` });
        return z.NEVER;
      }
      const parsed = kind.body.safeParse((value as Record<string, unknown>)[keys[0]!]);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [keys[0]!, ...issue.path] } as never);
        return z.NEVER;
      }
      return { [keys[0]!]: parsed.data } as T;
    })
    .meta({ kinds } satisfies KindsMeta as never);
}

/** The kind of a parsed `{kind: body}` value or bare name, and its body (undefined for bare names). */
export function kindOf(value: unknown): { kind: string; body: unknown } {
  if (typeof value === 'string') return { kind: value, body: undefined };
  const [kind, body] = Object.entries(value as Record<string, unknown>)[0]!;
  return { kind, body };
}
