import { Option } from 'commander';
import { z } from 'zod';
import { ConfigError } from '@tensorfleet/protocol';

/** camelCase → kebab-case: gpusPerWorker → gpus-per-worker. */
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The type under a field's default/optional wrappers (what the flag's text must become). */
function innerType(field: z.ZodType): z.ZodType {
  let t = field;
  while (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
  return t;
}

/**
 * One `--kebab-name <value>` flag per field of an options schema, its help the field's description and default, so a
 * launcher's options are defined once (in protocol's spec) and the CLI never restates them.
 * @example
 * for (const option of schemaFlags(kubernetesOptionsSchema)) command.addOption(option);
 * const options = optionsFromFlags(kubernetesOptionsSchema, flags); // numbers parsed, every field checked
 */
export function schemaFlags(schema: z.ZodObject): Option[] {
  const defaults = schema.parse({}) as Record<string, unknown>;
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => {
    const fallback = defaults[key];
    const help = `${field.description ?? key}${fallback === undefined ? '' : ` (default: ${String(fallback)})`}`;
    const option = new Option(`--${kebab(key)} <value>`, help);
    const inner = innerType(field);
    if (inner instanceof z.ZodEnum) option.choices(inner.options as string[]);
    return option;
  });
}

/**
 * The schema's options from the flags `schemaFlags` made (absent flags take the schema's defaults); a bad value is a
 * ConfigError naming the flag (exit 2).
 */
export function optionsFromFlags<S extends z.ZodObject>(schema: S, flags: Record<string, unknown>): z.output<S> {
  const raw: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const value = flags[key];
    if (value === undefined) continue;
    if (innerType(field) instanceof z.ZodNumber && typeof value === 'string') {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) throw new ConfigError(`--${kebab(key)} expects a number, got "${value}"`);
      raw[key] = number;
    } else {
      raw[key] = value;
    }
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  throw new ConfigError(`--${kebab(key)} ${JSON.stringify(flags[key])}: ${issue.message}`);
}
