import { z } from 'zod';

/**
 * The options of every launcher, by name: the one definition the train config's and the study spec's `launcher`
 * field, the CLI's `--launcher` flag, the docs and `@tensorfleet/launch`'s registry derive from.
 */
export const launcherOptionSchemas = {
  local: z.object({}).strict().describe('child processes on this machine (the default)'),
} as const;

export type LauncherName = keyof typeof launcherOptionSchemas;
export const launcherNames = Object.keys(launcherOptionSchemas) as LauncherName[];
export type LauncherOptions<N extends LauncherName = LauncherName> = z.output<(typeof launcherOptionSchemas)[N]>;

/** A parsed launcher choice: its name and its options with defaults filled in. */
export type LauncherChoice = { [N in LauncherName]: { name: N; options: LauncherOptions<N> } }[LauncherName];

const launcherMap = z
  .object(Object.fromEntries(launcherNames.map((name) => [name, launcherOptionSchemas[name].optional()])) as { [N in LauncherName]: z.ZodOptional<(typeof launcherOptionSchemas)[N]> })
  .strict()
  .refine((m) => Object.values(m).filter((v) => v !== undefined).length === 1, { message: `name exactly one launcher: ${launcherNames.join(', ')}` });

/**
 * `launcher: local` or `launcher: {NAME: {...options}}`: where the processes of a run (or a study's trials)
 * start. Parses to `{name, options}`.
 *
 * @example
 * launcherChoiceSchema.parse('local'); // { name: 'local', options: {} }
 */
export const launcherChoiceSchema = z
  .preprocess((v) => (typeof v === 'string' ? { [v]: {} } : v), launcherMap)
  .transform((m) => {
    const name = launcherNames.find((n) => m[n] !== undefined)!;
    return { name, options: m[name] } as LauncherChoice;
  });
