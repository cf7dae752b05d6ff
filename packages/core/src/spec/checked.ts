import { z } from 'zod';

/**
 * Wraps a zod field so that core's own validator (the one library users hit) also runs on it; its message becomes the
 * issue. A rule lives in one place, the validator, and a config reports it with the config's field path.
 * @example
 * const ratios = checkedBy(z.array(z.number()), (v) => validateRatios(v, 'ratios'), 'ratios');
 */
export function checkedBy<T extends z.ZodType>(schema: T, check: (value: z.output<T>) => unknown, where?: string): T {
  // A pipe, not a refinement: the validator runs only on a value the schema accepted, so no problem is said twice.
  return schema.pipe(
    z.custom<z.output<T>>(() => true).superRefine((value, ctx) => {
      try {
        check(value as z.output<T>);
      } catch (err) {
        ctx.addIssue({ code: 'custom', ...located((err as Error).message, where) });
      }
    }),
  ) as unknown as T;
}

/** Moves a validator's own `where.sub.path: ` prefix into the issue's path, so the config path is not said twice. */
function located(message: string, where: string | undefined): { message: string; path?: string[] } {
  if (!where || !message.startsWith(where)) return { message };
  const match = /^((?:\.[\w[\]]+)*): (.*)$/s.exec(message.slice(where.length));
  if (!match) return { message };
  const path = match[1]!.split('.').filter(Boolean);
  return { message: match[2]!, ...(path.length ? { path } : {}) };
}

/** Formats zod issues as `path: message` lines, the form every tensorfleet config error takes. */
export function issueLines(error: z.ZodError, prefix: readonly (string | number)[] = []): string[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path].map(String);
    return `${path.length ? path.join('.') : '(top level)'}: ${issue.message}`;
  });
}
