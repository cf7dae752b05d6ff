import { Option } from 'commander';

/**
 * --json, --quiet and --verbose: how a command that runs a job prints. Without --json a terminal gets one line per
 * epoch and a progress bar; a pipe or file always gets JSON lines (one object per line).
 */
export function outputOptions(): Option[] {
  return [
    new Option('--json', 'one JSON log object per line, even on a terminal (always when stdout is not a terminal)'),
    new Option('-q, --quiet', 'print only errors and the summary path').conflicts('verbose'),
    new Option('-v, --verbose', 'print every log line, debug included'),
  ];
}
