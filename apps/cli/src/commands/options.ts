import { InvalidArgumentError, Option } from 'commander';
import { mergeConfig, readConfigFile, resolveTrainConfig } from '../config/load.js';
import type { TrainConfig } from '../config/schema.js';

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

/** The flags that override a training config's fields; shared by `train` and `ps`. */
export function trainConfigOptions(): Option[] {
  return [
    new Option('-c, --config <file>', 'YAML or JSON training config (every field optional; see README)'),
    new Option('--epochs <n>', 'epochs to train').argParser(numberArg('--epochs', true)),
    new Option('--batch-size <n>', 'samples per worker per step').argParser(numberArg('--batch-size', true)),
    new Option('--preset <name>', 'model preset').choices(['mlp', 'mnist-small-cnn', 'seed-convnet']),
    new Option('--bn <mode>', "BatchNorm across workers: local (per-worker statistics), sync (true SyncBN), none").choices(['local', 'sync', 'none']),
    new Option('--ps-shards <k>', 'parameter-server processes sharing the parameters').argParser(numberArg('--ps-shards', true)),
    new Option('--elastic', 'elastic membership: lost workers are evicted, new ones join at the next epoch'),
    new Option('--consistency <mode>', 'sync (default), async, or ssp:S (bounded staleness)'),
    new Option('--optimizer <name>', 'optimizer run by the parameter server').choices(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']),
    new Option('--lr <rate>', 'learning rate').argParser(numberArg('--lr')),
    new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']),
    new Option('--seed <n>', 'seed of the split, data order, dropout and init').argParser(numberArg('--seed', true)),
    new Option('--out <dir>', 'run folder: summary.json and checkpoints/'),
    new Option('--checkpoint-every <steps>', 'also checkpoint every N steps').argParser(numberArg('--checkpoint-every', true)),
  ];
}

/** Merges --config's file with the flags given and validates the result. */
export function configFromFlags(flags: Record<string, unknown>, extra: Record<string, unknown> = {}): TrainConfig {
  const file = typeof flags.config === 'string' ? readConfigFile(flags.config) : {};
  const overrides: Record<string, unknown> = {
    ...extra,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    backend: flags.backend,
    seed: flags.seed,
    out: flags.out,
    checkpointEvery: flags.checkpointEvery,
    consistency: flags.consistency,
    psShards: flags.psShards,
    elastic: flags.elastic,
    model:
      flags.preset !== undefined || flags.bn !== undefined
        ? { preset: flags.preset, bn: flags.bn === undefined ? undefined : flags.bn === 'none' ? false : flags.bn }
        : undefined,
    optimizer:
      flags.optimizer !== undefined || flags.lr !== undefined ? { name: flags.optimizer, lr: flags.lr } : undefined,
  };
  const cleaned = JSON.parse(JSON.stringify(overrides)) as Record<string, unknown>; // drops undefined leaves
  return resolveTrainConfig(mergeConfig(file, cleaned), typeof flags.config === 'string' ? flags.config : 'command-line flags');
}
