import { z } from 'zod';
import { dataSourceRegistry, modelKindRegistry, optimizerRegistry, schedulerRegistry, type KindEntry } from '@tensorfleet/core';
import { schedulerExtras, trainConfigSchema } from './train-config.js';
import { launcherOptionSchemas } from './launchers.js';

/** zod 4's introspection surface, as far as the reference reads it. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  items?: z.ZodType[];
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
  values?: unknown[];
  valueType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  checks?: unknown[];
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod;
const metaOf = (s: z.ZodType) => (s as unknown as { meta(): Record<string, unknown> | undefined }).meta?.();

/** Peels defaults, optionals and pipes off a field: its description, default and the schema underneath. */
function unwrap(schema: z.ZodType): { core: z.ZodType; doc?: string; fallback?: unknown; optional: boolean; meta?: Record<string, unknown> } {
  let s = schema;
  let doc = s.description;
  let meta = metaOf(s);
  let fallback: unknown;
  let optional = false;
  for (;;) {
    const def = defOf(s).def;
    if (def.type === 'default' || def.type === 'prefault') fallback ??= def.defaultValue;
    if (def.type === 'optional') optional = true;
    const next = def.type === 'pipe' ? def.in : def.innerType;
    if (!next || !['default', 'prefault', 'optional', 'pipe', 'nullable', 'readonly'].includes(def.type)) break;
    s = next;
    doc ??= s.description;
    meta ??= metaOf(s);
  }
  return { core: s, ...(doc ? { doc } : {}), ...(fallback !== undefined ? { fallback } : {}), optional, ...(meta ? { meta } : {}) };
}

function typeName(schema: z.ZodType): string {
  const { core } = unwrap(schema);
  const { def } = defOf(core);
  switch (def.type) {
    case 'number': {
      const checks = (def.checks ?? []).map((c) => (c as unknown as { _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } })._zod.def);
      const range = checks.flatMap((c) =>
        c.check === 'greater_than' ? [`${c.inclusive ? '≥' : '>'} ${c.value}`] : c.check === 'less_than' ? [`${c.inclusive ? '≤' : '<'} ${c.value}`] : []);
      const integer = checks.some((c) => c.format === 'safeint');
      return `${integer ? 'integer' : 'number'}${range.length ? ` ${range.join(', ')}` : ''}`;
    }
    case 'enum': return Object.values(def.entries ?? {}).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'literal': return (def.values ?? []).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'array': return `list of ${typeName(def.element!)}`;
    case 'tuple': return `[${(def.items ?? []).map(typeName).join(', ')}]`;
    case 'union': return (def.options ?? []).map(typeName).join(' \\| ');
    case 'record': return 'mapping';
    case 'object': return 'mapping';
    default: return def.type;
  }
}

/** Fields documented in a section of their own (a choice among registry entries). */
const sections = ['model', 'data.source', 'optimizer', 'scheduler', 'launcher'];

const cell = (v: unknown) => (v === undefined ? '' : `\`${JSON.stringify(v)}\``);

/** A markdown table of an object schema's fields (nested objects flattened to dotted paths). */
function fieldTable(shape: Record<string, z.ZodType>, prefix = '', skip: readonly string[] = []): string[] {
  const rows: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    if (skip.includes(key)) continue;
    const { core, doc, fallback, optional, meta } = unwrap(field);
    const path = `${prefix}${key}`;
    const inner = defOf(core).def;
    if (inner.type === 'object' && inner.shape && !meta?.kinds && !meta?.modelKinds) {
      rows.push(...fieldTable(inner.shape, `${path}.`));
      continue;
    }
    const sectioned = meta?.kinds || meta?.modelKinds || sections.includes(path);
    const type = sectioned ? `see [${path}](#${path.replace(/\./g, '')})` : typeName(field);
    const shown = fallback !== undefined ? cell(fallback) : optional ? '(none)' : 'required';
    rows.push(`| \`${path}\` | ${type} | ${shown} | ${doc ?? ''} |`);
  }
  return rows;
}

const header = ['| field | type | default | description |', '|---|---|---|---|'];

function kindSection(title: string, anchorText: string, kinds: Record<string, KindEntry>, nested: boolean): string[] {
  const out = [`## ${title}`, '', anchorText, ''];
  for (const [name, entry] of Object.entries(kinds)) {
    out.push(`### \`${name}\``, '', entry.doc, '');
    if (entry.body === null) {
      out.push(`Written as the bare name: \`${name}\`.`, '');
      continue;
    }
    const { core } = unwrap(entry.body);
    const def = defOf(core).def;
    // A model kind's keys sit beside its kind key (`model: {preset, bn}`); a source's sit inside it (`{idx: {images}}`).
    if (def.type === 'object' && def.shape) out.push(...header, ...fieldTable(def.shape, nested ? `${title}.${name}.` : `${title}.`), '');
    else out.push(`\`{${name}: ${typeName(entry.body)}}\``, '');
  }
  return out;
}

function choiceSection(title: string, intro: string, registry: Record<string, { doc: string; options: z.ZodObject }>): string[] {
  // Options sit beside the name: `optimizer: {name: adam, lr: 3e-4}`.
  const out = [`## ${title}`, '', intro, ''];
  for (const [name, entry] of Object.entries(registry)) {
    out.push(`### \`name: ${name}\``, '', entry.doc, '');
    const rows = fieldTable(entry.options.shape as Record<string, z.ZodType>, `${title}.`);
    out.push(...(rows.length ? [...header, ...rows] : ['No options.']), '');
  }
  return out;
}

/**
 * The train config reference, generated from the schema and the registries (docs/config.md and
 * `tensorfleet train --help-config` print this; a test keeps the committed file equal to it).
 * @example
 * process.stdout.write(configReference());
 */
export function configReference(): string {
  const top = trainConfigSchema.shape as Record<string, z.ZodType>;
  const lines = [
    '# Train config reference',
    '',
    '<!-- generated by `tensorfleet train --help-config` from packages/protocol/src/spec/train-config.ts and the',
    '     registries in packages/core/src/spec/; do not edit by hand -->',
    '',
    'Every field is optional: an empty file is the default run. Unknown fields are refused by name. Relative paths',
    "resolve against the config file's folder. Command-line flags (`tensorfleet train --help`) override the file.",
    '',
    '## Fields',
    '',
    ...header,
    ...fieldTable(top),
    '',
    ...kindSection('model', 'Exactly one kind key (`preset`, `spec`, ...) selects the model; the other keys are its options.',
      Object.fromEntries(Object.entries(modelKindRegistry).map(([k, e]) => [k, { doc: e.doc, body: e.schema }])), false),
    ...kindSection('data.source', 'A bare name or a one-key mapping `{kind: ...}`.', dataSourceRegistry, true),
    ...choiceSection('optimizer', '`optimizer: {name, ...options}`; options by torch.optim\'s names (camelCase).', optimizerRegistry),
    ...choiceSection('scheduler', '`scheduler: {name, ...options}`; `name: none` keeps the lr constant.',
      { none: { doc: 'a constant learning rate', options: z.object({}) }, ...schedulerRegistry }),
    'Every scheduler, `none` included, also takes these (warmup: a linear warmup chained before it, torch SequentialLR):',
    '',
    ...header,
    ...fieldTable(schedulerExtras, 'scheduler.'),
    '',
    ...kindSection('launcher', 'A bare name or a one-key mapping `{ssh: {...options}}`: where `train` starts its workers (and an HPO study its trials).',
      Object.fromEntries(Object.entries(launcherOptionSchemas).map(([name, schema]) => [name, {
        doc: schema.description ?? name, body: Object.keys(schema.shape).length ? schema : null,
      }])) as unknown as Record<string, KindEntry>, true),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
