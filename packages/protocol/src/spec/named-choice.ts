import { z } from 'zod';

/** `{name, options}` for one entry of a name → options-schema table, options with their defaults filled in. */
export type NamedChoice<S extends Record<string, z.ZodType>> = { [N in keyof S & string]: { name: N; options: z.output<S[N]> } }[keyof S & string];

/**
 * The schema of a field that picks one entry of a table of option schemas, the way a config names a launcher: the
 * bare `NAME` (all defaults) or `{NAME: {...options}}`, exactly one name. Parses to `{name, options}`. One definition
 * for every such table (the train config's process launchers, a study's trial launchers), so they read alike and
 * reject alike.
 *
 * @example
 * const choice = namedChoiceSchema({ local: z.object({}), ssh: z.object({ hosts: z.string() }) });
 * choice.parse('local'); // { name: 'local', options: {} }
 * choice.parse({ ssh: { hosts: 'hosts.txt' } }); // { name: 'ssh', options: { hosts: 'hosts.txt' } }
 */
export function namedChoiceSchema<S extends Record<string, z.ZodType>>(schemas: S) {
  const names = Object.keys(schemas) as (keyof S & string)[];
  const byName = z
    .object(Object.fromEntries(names.map((n) => [n, schemas[n]!.optional()])) as { [N in keyof S]: z.ZodOptional<S[N]> })
    .strict()
    .refine((m) => Object.values(m).filter((v) => v !== undefined).length === 1, { message: `name exactly one of: ${names.join(', ')}` });
  return z
    .preprocess((v) => (typeof v === 'string' ? { [v]: {} } : v), byName)
    .transform((m) => {
      const record = m as Record<string, unknown>;
      const name = names.find((n) => record[n] !== undefined)!;
      return { name, options: record[name] } as NamedChoice<S>;
    });
}
