import { InvalidArgumentError, Option } from 'commander';
import { backendPreferences, optimizerRegistry, presetNames, schedulerRegistry } from '@tensorfleet/core';
import { resolve } from 'node:path';
import {
  ConfigError, configBaseDir, launcherNames, mergeConfig, readConfigFile, resolveTrainConfig, trainConfigSchema, transportNames, type TrainConfig,
} from '@tensorfleet/protocol';

/** Parses a command-line number, naming the flag when it is not one. */
export function numberArg(flag: string, integer = false) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new InvalidArgumentError(`${flag} expects ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
    }
    return value;
  };
}

/** The default run, read from the schema itself so help texts never drift from it. */
const defaults = trainConfigSchema.parse({}) as unknown as Record<string, unknown>;
const defaultAt = (path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], defaults);

/**
 * A flag that overrides one config field. `override` turns the flag's value into a partial config; by default it
 * sets `path`. Choices come from the registries, so a new optimizer or preset is a flag choice at once.
 */
interface ConfigFlag {
  flags: string;
  attribute: string;
  help: string;
  /** The config path whose default the help shows. */
  path: string;
  choices?: readonly string[];
  parse?: (raw: string) => unknown;
  override?: (value: unknown, flags: Record<string, unknown>) => Record<string, unknown>;
  /** The flag value that means a config value, when the two differ (for the default the help shows). */
  asFlag?: (configValue: unknown) => string;
}

const at = (path: string, value: unknown): Record<string, unknown> =>
  path.split('.').reduceRight<Record<string, unknown>>((inner, key, i, keys) => (i === keys.length - 1 ? { [key]: value } : { [key]: inner }), {});

const integer = (flag: string) => numberArg(flag, true);

/** Every flag that overrides a config field; shared by `train` and `ps`. */
const configFlags: ConfigFlag[] = [
  { flags: '--epochs <n>', attribute: 'epochs', path: 'epochs', help: 'epochs to train', parse: integer('--epochs') },
  { flags: '--batch-size <n>', attribute: 'batchSize', path: 'batchSize', help: 'samples per worker per step', parse: integer('--batch-size') },
  {
    flags: '--preset <name>', attribute: 'preset', path: 'model.preset', help: 'model preset (replaces the config\'s model)', choices: presetNames,
    override: (preset) => ({ model: { preset } }),
  },
  {
    flags: '--bn <mode>', attribute: 'bn', path: 'model.bn', help: 'BatchNorm across workers: local (per-worker statistics), sync (true SyncBN), none',
    choices: ['local', 'sync', 'none'], override: (bn) => ({ model: { bn: bn === 'none' ? false : bn } }),
    // The config's `bn: true` is local BN and `false` none: the help names the default as the flag spells it.
    asFlag: (bn) => (bn === false ? 'none' : bn === true ? 'local' : String(bn)),
  },
  { flags: '--ps-shards <k>', attribute: 'psShards', path: 'psShards', help: 'parameter-server processes sharing the parameters', parse: integer('--ps-shards') },
  { flags: '--elastic', attribute: 'elastic', path: 'elastic', help: 'elastic membership: lost workers are evicted, new ones join at the next epoch' },
  { flags: '--consistency <mode>', attribute: 'consistency', path: 'consistency', help: 'sync, async, or ssp:S (bounded staleness)' },
  {
    flags: '--optimizer <name>', attribute: 'optimizer', path: 'optimizer.name', help: 'optimizer run by the parameter server (replaces the config\'s optimizer)',
    choices: Object.keys(optimizerRegistry), override: (name) => ({ optimizer: { name } }),
  },
  { flags: '--lr <rate>', attribute: 'lr', path: 'optimizer.lr', help: 'learning rate', parse: numberArg('--lr'), override: (lr) => ({ optimizer: { lr } }) },
  {
    flags: '--scheduler <name>', attribute: 'scheduler', path: 'scheduler.name', help: 'learning-rate scheduler with its default options (replaces the config\'s scheduler)',
    choices: ['none', ...Object.keys(schedulerRegistry)], override: (name) => ({ scheduler: { name } }),
  },
  { flags: '--transport <name>', attribute: 'transport', path: 'transport', help: 'how tensors travel: auto (shared memory on the PS\'s host) or ws', choices: transportNames },
  { flags: '--backend <name>', attribute: 'backend', path: 'backend', help: 'tfjs backend', choices: backendPreferences },
  { flags: '--seed <n>', attribute: 'seed', path: 'seed', help: 'seed of the split, data order, dropout and init', parse: integer('--seed') },
  { flags: '--out <dir>', attribute: 'out', path: 'out', help: 'run folder: summary.json and checkpoints/' },
  { flags: '--checkpoint-every <steps>', attribute: 'checkpointEvery', path: 'checkpointEvery', help: 'also checkpoint every N steps (0: epoch ends only)', parse: integer('--checkpoint-every') },
];

/** Fields a flag replaces whole rather than merges into (a new name makes the old options meaningless). */
const replacedWhole = new Set(['preset', 'optimizer', 'scheduler']);

/** The flags that override a training config's fields; shared by `train` and `ps`. */
export function trainConfigOptions(): Option[] {
  return [
    new Option('-c, --config <file>', 'YAML or JSON training config (every field optional; `tensorfleet train --help-config` lists them)'),
    ...configFlags.map((f) => {
      const fallback = defaultAt(f.path);
      const shown = f.asFlag ? f.asFlag(fallback) : String(fallback);
      const option = new Option(f.flags, fallback === undefined || typeof fallback === 'object' ? f.help : `${f.help} (default: ${shown})`);
      if (f.choices) option.choices(f.choices);
      if (f.parse) option.argParser(f.parse as (raw: string) => unknown);
      return option;
    }),
  ];
}

/** The PS's /metrics port unless --metrics-port says otherwise (the port OpenTelemetry's Prometheus exporter uses). */
export const defaultMetricsPort = 9464;

/** --metrics-port and --metrics-host, shared by `train` and `ps`. */
export function metricsOptions(): Option[] {
  return [
    new Option('--metrics-port <n>', `serve Prometheus metrics at http://HOST:N/metrics (0 = off; default ${defaultMetricsPort}, skipped with a warning when taken)`)
      .argParser((raw) => {
        const port = numberArg('--metrics-port', true)(raw);
        if (port < 0 || port > 65535) throw new InvalidArgumentError(`--metrics-port expects a port in [0, 65535], got "${raw}"`);
        return port;
      }),
    new Option('--metrics-host <address>', 'interface /metrics listens on (it has no authentication)').default('127.0.0.1'),
  ];
}

/** The PS's metrics option from those flags: undefined when off; the default port falls back to none when taken. */
export function metricsFromFlags(flags: Record<string, unknown>): { host: string; port: number; fallback: boolean } | undefined {
  const port = flags.metricsPort as number | undefined;
  if (port === 0) return undefined;
  return { host: (flags.metricsHost as string | undefined) ?? '127.0.0.1', port: port ?? defaultMetricsPort, fallback: port === undefined };
}

/** `--rejoin-timeout <s>` of `train` and `ps`: how long a lost worker's rank waits for it (or a replacement). */
export function rejoinTimeoutOption(): Option {
  return new Option('--rejoin-timeout <seconds>', 'how long the rank of a lost worker may go without a worker that trains (it reconnected, or a replacement) before the run fails; default 60')
    .argParser((raw) => {
      const seconds = numberArg('--rejoin-timeout')(raw);
      if (seconds <= 0) throw new InvalidArgumentError(`--rejoin-timeout expects a positive number of seconds, got "${raw}"`);
      return seconds;
    });
}

/** The server option `--rejoin-timeout` gives, if it was given. */
export function rejoinOption(flags: Record<string, unknown>): { rejoinTimeoutMs?: number } {
  return typeof flags.rejoinTimeout === 'number' ? { rejoinTimeoutMs: flags.rejoinTimeout * 1000 } : {};
}

/**
 * The config with --launcher/--hosts applied: a launcher the file already names keeps its options (--hosts replaces
 * only its hosts); another name replaces the file's launcher. A relative --hosts is the caller's, from the cwd.
 */
function withLauncherFlags(merged: Record<string, unknown>, flags: Record<string, unknown>): Record<string, unknown> {
  const hosts = typeof flags.hosts === 'string' ? resolve(flags.hosts) : undefined;
  const name = (flags.launcher as string | undefined) ?? (hosts ? 'ssh' : undefined);
  // (a whole-job launcher is no config launcher: `train --launcher slurm|kubernetes` runs the job elsewhere.)
  if (name === undefined || !(launcherNames as string[]).includes(name)) return merged;
  if (hosts && name !== 'ssh') throw new ConfigError(`--hosts is for --launcher ssh, not --launcher ${name}`);
  const current = merged.launcher;
  const own = typeof current === 'object' && current !== null && !Array.isArray(current) && name in current ? (current as Record<string, Record<string, unknown>>)[name] : {};
  return { ...merged, launcher: { [name]: { ...own, ...(hosts ? { hosts } : {}) } } };
}

/** Merges --config's file with the flags given and validates the result (relative paths: from the file's folder). */
export function configFromFlags(flags: Record<string, unknown>, extra: Record<string, unknown> = {}): TrainConfig {
  const configFile = typeof flags.config === 'string' ? flags.config : undefined;
  let merged = configFile ? readConfigFile(configFile) : {};
  merged = mergeConfig(merged, JSON.parse(JSON.stringify(extra)) as Record<string, unknown>);
  for (const f of configFlags) {
    const value = flags[f.attribute];
    if (value === undefined) continue;
    const override = f.override ? f.override(value, flags) : at(f.path, value);
    if (replacedWhole.has(f.attribute)) {
      const [key] = Object.keys(override);
      const keep = f.attribute === 'preset' && (merged.model as Record<string, unknown> | undefined)?.preset !== undefined;
      // --preset keeps the file's preset options (bn, dropout); a new optimizer or scheduler name starts from its defaults.
      merged = keep ? mergeConfig(merged, override) : { ...merged, [key!]: override[key!] };
    } else {
      merged = mergeConfig(merged, override);
    }
  }
  merged = withLauncherFlags(merged, flags);
  return resolveTrainConfig(merged, configFile ?? 'command-line flags', configBaseDir(configFile));
}
