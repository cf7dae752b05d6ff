import { Command, Option } from 'commander';
import { defaultStoragePath } from '@tensorfleet/coordinator';
import { runState } from '../dashboard/run-state.js';
import { startDashboard } from '../dashboard/server.js';
import { studyState } from '../dashboard/study-state.js';
import { resolveDashboardTarget } from '../dashboard/target.js';
import { numberArg } from './options.js';

/** The dashboard's port unless --port says otherwise. */
export const defaultDashboardPort = 8765;

/**
 * `tensorfleet dashboard [RUN_DIR | STUDY]`: a local, read-only web page that follows a run (charts, live step,
 * workers) or a study (trials, parallel coordinates, importance, best so far) as it goes, over server-sent events.
 *
 * @example
 * // tensorfleet dashboard runs/latest        then open the printed http://127.0.0.1:8765/
 */
export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description('a live web page for a run folder or a study: charts, workers, trials (read-only, 127.0.0.1 by default)')
    .argument('[target]', 'a run folder (train --out) or a study name', 'runs/latest')
    .addOption(new Option('--port <n>', 'port to serve on (0: any free port)').argParser(numberArg('--port', true)).default(defaultDashboardPort))
    .option('--host <address>', 'interface to serve on (the page has no authentication)', '127.0.0.1')
    .option('--storage <file>', 'SQLite file holding the studies', defaultStoragePath)
    .addHelpText('after', '\nExamples:\n  tensorfleet dashboard runs/latest\n  tensorfleet dashboard regularization-sweep --port 8080\n')
    .action(async function (this: Command, target: string, flags: { port: number; host: string; storage: string }) {
      let resolved;
      try {
        resolved = resolveDashboardTarget(target, flags.storage);
      } catch (err) {
        this.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      const t = resolved;
      const dashboard = await startDashboard({
        host: flags.host, port: flags.port,
        state: t.kind === 'run' ? () => runState(t.dir) : async () => studyState(t.storage, t.name),
      });
      process.stdout.write(`dashboard of ${t.kind === 'run' ? `run folder ${t.dir}` : `study ${t.name}`}: ${dashboard.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dashboard.close();
    });
}
