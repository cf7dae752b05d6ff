/**
 * The train config's field paths, from the interface contract (apps/cli/src/config/schema.ts owns the schema; no app
 * imports another, so the names are restated here). Used to catch a misspelt path in a study spec before any trial
 * starts, when trials run the default `tensorfleet train` command.
 */
export const trainConfigFields: Record<string, readonly string[] | null> = {
  model: ['preset', 'bn', 'dropoutFc', 'dropoutConv'],
  data: ['source', 'split', 'normalize'],
  workers: null,
  epochs: null,
  batchSize: null,
  optimizer: ['name', 'lr', 'momentum', 'weightDecay'],
  scheduler: ['name', 'factor', 'patience'],
  l2: null,
  l1: null,
  labelSmoothing: null,
  backend: null,
  seed: null,
  out: null,
  checkpointEvery: null,
  accuracyTargets: null,
};

/** Returns a message naming the first path that is not a train config field, or null when every path is known. */
export function unknownTrainField(path: string): string | null {
  const [top, sub, ...rest] = path.split('.');
  if (!(top! in trainConfigFields)) return `"${top}" is not a train config field (known: ${Object.keys(trainConfigFields).join(', ')})`;
  const children = trainConfigFields[top!];
  if (sub === undefined) return null;
  if (children === null || rest.length > 0) return `"${path}" goes deeper than the train config does`;
  if (!children.includes(sub)) return `"${sub}" is not a field of ${top} (known: ${children.join(', ')})`;
  return null;
}

/** Every leaf path of a plain mapping, dotted (`{model: {bn: true}}` → `model.bn`). Lists are leaves. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
