import { prettyFactory } from 'pino-pretty';

/**
 * Formats one pino JSON line for a person on one line: time, level, `[trial N]` or `[role]`, message, fields.
 * Text that is not JSON passes through.
 *
 * @example
 * process.stdout.write(prettyLogLine(true)('{"level":30,"time":1,"role":"ps","msg":"checkpoint written","step":250}'));
 */
export function prettyLogLine(colorize: boolean): (line: string) => string {
  const format = prettyFactory({
    colorize, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,study,trial,role,run',
    messageFormat: (log, messageKey) => `${typeof log.trial === 'number' ? `[trial ${log.trial}] ` : log.role ? `[${String(log.role)}] ` : ''}${String(log[messageKey] ?? '')}`,
  });
  return (line) => {
    try {
      JSON.parse(line);
    } catch {
      return line + '\n';
    }
    return format(line);
  };
}
