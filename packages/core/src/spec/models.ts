import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { presetNames, presetSpec } from '../models/presets.js';
import { initializerNames, type ModelSpec } from '../models/spec.js';
import { validateModelSpec } from '../models/validate.js';
import { modelSpecFromKeras } from '../models/keras-topology.js';
import { readManifestWeights, readModelJson, type NamedWeights } from '../models/named-weights.js';
import { checkedBy } from './checked.js';
import { resolvePath, type SourceContext } from './data-sources.js';

/** What a model kind needs to become a ModelSpec: the data's shape and classes, and the run's regularization. */
export interface ModelContext extends SourceContext {
  inputShape: number[];
  numClasses: number;
  seed: number;
  l1: number;
  l2: number;
}

/**
 * A model kind: the config object that selects it (it holds the kind's key, e.g. `{preset: ...}`) and how it becomes
 * core's ModelSpec for the data at hand.
 */
export interface ModelKindEntry {
  doc: string;
  schema: z.ZodObject;
  resolve(model: Record<string, unknown>, ctx: ModelContext): ModelSpec;
  /** Weights that come with the model (a tfjs model file's), which a fresh run starts from; none by default. */
  weights?(model: Record<string, unknown>, ctx: SourceContext): NamedWeights | null;
  /** The model with its file paths made absolute (a config then means the same files from any folder). */
  absolute?(model: Record<string, unknown>, ctx: SourceContext): Record<string, unknown>;
}

const rate = z.number().min(0).lt(1);
/** How BatchNorm behaves across workers; shared by every model kind. */
export const bnModeSchema = z
  .union([z.boolean(), z.enum(['local', 'sync'])])
  .default(true)
  .describe("false: no BN (presets); true or 'local': per-worker batch statistics, running statistics averaged; 'sync': true SyncBN");

const presetKind = z
  .object({
    preset: z.enum(presetNames as [string, ...string[]]).describe('a core model preset, sized from the data'),
    bn: bnModeSchema,
    dropoutFc: rate.optional().describe("dropout after each hidden FC layer (default: the preset's)"),
    dropoutConv: rate.optional().describe("spatial dropout after each conv block (default: the preset's)"),
    init: z.enum(initializerNames).optional().describe("kernel initializer (default 'heNormal')"),
  })
  .strict();

const inlineSpec = checkedBy(z.record(z.string(), z.unknown()), (s) => validateModelSpec(s as unknown as ModelSpec));
const specKind = z
  .object({
    spec: z.union([z.string().min(1), inlineSpec]).describe("core's JSON ModelSpec: a file path or the spec inline"),
    bn: bnModeSchema,
  })
  .strict();

const tfjsKind = z
  .object({
    tfjs: z.string().min(1).describe('path of a stock tfjs/Keras layers-model model.json (as model.save writes it)'),
    bn: bnModeSchema,
  })
  .strict();

/** Reads a tfjs model.json for the `model.tfjs` field: errors say the field and the file. */
function readTfjsField<T>(path: string, read: (json: ReturnType<typeof readModelJson>) => T): T {
  try {
    return read(readModelJson(path));
  } catch (err) {
    const message = (err as Error).message.replace(/^model\.json: /, '');
    throw new Error(`model.tfjs: ${message.startsWith(path) ? message : `${path}: ${message}`}`);
  }
}

function readSpecFile(path: string): ModelSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`model.spec: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as ModelSpec;
  } catch (err) {
    throw new Error(`model.spec: ${path} is not JSON: ${(err as Error).message}`);
  }
}

/** Refuses a spec whose input does not fit the data's samples (a flat input takes them flattened). */
export function checkInputFitsData(spec: ModelSpec, ctx: ModelContext, field: string): ModelSpec {
  const shape = (s: number[]) => `[${s.join(', ')}]`;
  const flat = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const sameShape = shape(spec.inputShape) === shape(ctx.inputShape);
  const flatMatch = spec.inputShape.length === 1 && spec.inputShape[0] === flat(ctx.inputShape);
  if (!sameShape && !flatMatch) {
    throw new Error(`${field}: the model's inputShape ${shape(spec.inputShape)} does not fit the data's ${shape(ctx.inputShape)}`);
  }
  return spec;
}

/**
 * Every kind of `model` a config can give, by the key that selects it. Adding a kind is one entry here.
 * @example
 * const spec = resolveModel({ preset: 'mlp', bn: false }, { inputShape: [4, 4, 1], numClasses: 3, seed: 1, l1: 0, l2: 0, baseDir: '.' });
 */
export const modelKindRegistry: Record<string, ModelKindEntry> = {
  preset: {
    doc: 'a core preset (mlp, mnist-small-cnn, seed-convnet); its input shape and class count come from the data',
    schema: presetKind,
    resolve: (m, ctx) =>
      presetSpec(m.preset as string, {
        inputShape: ctx.inputShape,
        numClasses: ctx.numClasses,
        bn: m.bn !== false,
        ...(m.dropoutFc !== undefined ? { dropoutFc: m.dropoutFc as number } : {}),
        ...(m.dropoutConv !== undefined ? { dropoutConv: m.dropoutConv as number } : {}),
        ...(m.init !== undefined ? { init: m.init as string } : {}),
        ...(ctx.l2 > 0 ? { l2: ctx.l2 } : {}),
        ...(ctx.l1 > 0 ? { l1: ctx.l1 } : {}),
        seed: ctx.seed,
      }),
  },
  spec: {
    doc: "core's JSON ModelSpec (inputShape, numClasses, layers), from a file or inline",
    schema: specKind,
    resolve: (m, ctx) => {
      const spec = typeof m.spec === 'string' ? readSpecFile(resolvePath(m.spec, ctx)) : (structuredClone(m.spec) as ModelSpec);
      validateModelSpec(spec);
      // Its class count is checked against the data with init.newHead in mind (resolveModelInit), as for model.tfjs.
      return checkInputFitsData({ seed: ctx.seed, ...spec }, ctx, 'model.spec');
    },
    absolute: (m, ctx) => (typeof m.spec === 'string' ? { ...m, spec: resolvePath(m.spec, ctx) } : m),
  },
  tfjs: {
    doc:
      'a stock tfjs/Keras LayersModel (model.json with its weights files, as model.save writes it) of core-trainable layers ' +
      '(Dense, Conv2D, BatchNormalization, pooling, Flatten, Dropout, activations), under its own layer names; its weights, when ' +
      'present, are where a fresh run starts. Another class count than the data needs init.newHead',
    schema: tfjsKind,
    // The class count: as for model.spec.
    resolve: (m, ctx) => {
      const path = resolvePath(m.tfjs as string, ctx);
      const spec = readTfjsField(path, (json) => modelSpecFromKeras(json.modelTopology));
      return checkInputFitsData({ seed: ctx.seed, ...spec }, ctx, 'model.tfjs');
    },
    weights: (m, ctx) => {
      const path = resolvePath(m.tfjs as string, ctx);
      return readTfjsField(path, (json) => readManifestWeights(path, json));
    },
    absolute: (m, ctx) => ({ ...m, tfjs: resolvePath(m.tfjs as string, ctx) }),
  },
};

function kindKey(value: Record<string, unknown>): string | undefined {
  const present = Object.keys(modelKindRegistry).filter((k) => k in value);
  return present.length === 1 ? present[0] : undefined;
}

/** The `model` field: an object holding exactly one kind's key, checked by that kind's schema. */
export const modelSchema = z
  .record(z.string(), z.unknown())
  .transform((value, ctx) => {
    const key = kindKey(value);
    if (!key) {
      const kinds = Object.keys(modelKindRegistry).map((k) => `{${k}: ...}`).join(', ');
      ctx.addIssue({ code: 'custom', message: `expected exactly one of ${kinds}, got keys ${JSON.stringify(Object.keys(value))}` });
      return z.NEVER;
    }
    const parsed = modelKindRegistry[key]!.schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue(issue as never);
      return z.NEVER;
    }
    return parsed.data as Record<string, unknown>;
  })
  .meta({ modelKinds: modelKindRegistry } as never)
  .describe('the network: a preset, a JSON model spec, or a tfjs model.json');

/** A parsed `model` with its file paths made absolute against `ctx.baseDir`. */
export function absoluteModel(model: Record<string, unknown>, ctx: SourceContext): Record<string, unknown> {
  const entry = modelKindRegistry[kindKey(model) ?? ''];
  return entry?.absolute ? entry.absolute(model, ctx) : model;
}

/** The config field a parsed `model` is given by, e.g. `model.tfjs` (for messages). */
export function modelField(model: Record<string, unknown>): string {
  return `model.${kindKey(model) ?? '?'}`;
}

/** The weights a parsed `model` comes with (a tfjs model file's), or null. */
export function modelWeights(model: Record<string, unknown>, ctx: SourceContext): NamedWeights | null {
  return modelKindRegistry[kindKey(model) ?? '']?.weights?.(model, ctx) ?? null;
}

/** Turns a parsed `model` into core's ModelSpec for the data described by `ctx`. */
export function resolveModel(model: Record<string, unknown>, ctx: ModelContext): ModelSpec {
  const key = kindKey(model);
  if (!key) throw new Error(`model: expected exactly one of ${Object.keys(modelKindRegistry).join(', ')}`);
  return modelKindRegistry[key]!.resolve(model, ctx);
}
