import { Command, Option } from 'commander';
import {
  defaultStoragePath, formatStatus, loadStudySpec, runStudy, StorageLookupError, StudyConflictError, StudySpecError, studyStatus, writeReport,
} from '@tensorfleet/coordinator';
import { exitCodes } from '@tensorfleet/protocol';
import pretty from 'pino-pretty';

const storageOption = () => new Option('--storage <file>', 'SQLite file holding the studies').default(defaultStoragePath);

function fail(command: Command, err: unknown): never {
  const usage = err instanceof StudySpecError || err instanceof StudyConflictError || err instanceof StorageLookupError || err instanceof RangeError;
  command.error(`${(err as Error).message}`, { exitCode: usage ? exitCodes.usage : exitCodes.failed });
}

/**
 * `tensorfleet hpo run SPEC | status STUDY | report STUDY`: hyper-parameter studies (random/grid search, FIFO/ASHA)
 * resumable from their SQLite storage.
 *
 * @example
 * program.addCommand(hpoCommand());
 * // tensorfleet hpo run apps/coordinator/examples/regularization-sweep.yaml
 */
export function hpoCommand(): Command {
  const hpo = new Command('hpo').description('hyper-parameter search: run, status and report of studies');

  hpo
    .command('run')
    .description('run a study (or resume it: same spec, same storage) until its budget is spent, then write its report')
    .argument('<spec>', 'study spec, YAML or JSON (see apps/coordinator/examples/regularization-sweep.yaml)')
    .addOption(storageOption())
    .option('--json', 'print the coordinator log as JSON lines even on a terminal')
    .option('--no-report', 'do not write the report at the end')
    .action(async function (this: Command, specPath: string, flags: { storage: string; json?: boolean; report: boolean }) {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const spec = loadStudySpec(specPath);
        const logStream = !flags.json && process.stdout.isTTY
          ? pretty({ colorize: true, ignore: 'pid,hostname,role,study', translateTime: 'SYS:HH:MM:ss', singleLine: true })
          : process.stdout;
        const result = await runStudy({ spec, storage: flags.storage, logStream, signal: abort.signal });
        if (flags.report && result.trials.length > 0) {
          const files = await writeReport({ storage: flags.storage, study: spec.name });
          process.stderr.write(`report: ${files.markdown}\n        ${files.html}\n${files.bestConfig ? `best config: ${files.bestConfig}\n` : ''}`);
        }
        if (!result.finished) {
          process.stderr.write(`study ${spec.name} paused; run the same command again to resume it\n`);
          process.exitCode = exitCodes.interrupted;
        }
      } catch (err) {
        fail(this, err);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  hpo
    .command('status')
    .description("a study's progress: trials by state, running trials, best so far (reads the storage, never writes it)")
    .argument('<study>', 'study name')
    .addOption(storageOption())
    .option('--json', 'print the trials as JSON')
    .action(function (this: Command, name: string, flags: { storage: string; json?: boolean }) {
      try {
        const status = studyStatus(flags.storage, name);
        if (flags.json) {
          process.stdout.write(JSON.stringify({ study: status.study.name, state: status.study.state, counts: status.counts, epochsSpent: status.epochsSpent,
            trials: status.trials.map((t) => ({ trial: t.number, state: t.state, epochs: t.epochs, objective: t.objective, crashedEpoch: t.crashedEpoch, params: Object.fromEntries(t.params.map((p) => [p.name, p.value])) })) }) + '\n');
        } else process.stdout.write(formatStatus(status) + '\n');
      } catch (err) {
        fail(this, err);
      }
    });

  hpo
    .command('report')
    .description("write a study's report: report.md and trials.csv (sorted by objective), best-config.yaml, report.html with plots")
    .argument('<study>', 'study name')
    .addOption(storageOption())
    .option('--out <dir>', 'report folder (default: <study folder>/report)')
    .action(async function (this: Command, name: string, flags: { storage: string; out?: string }) {
      try {
        const files = await writeReport({ storage: flags.storage, study: name, ...(flags.out ? { outDir: flags.out } : {}) });
        process.stdout.write([files.markdown, files.csv, files.html, files.bestConfig].filter(Boolean).join('\n') + '\n');
      } catch (err) {
        fail(this, err);
      }
    });
  return hpo;
}
