/**
 * The processes that write a run's log lines; every line carries one of these as `role`.
 * `trial` marks text a trial printed that was not a log line (the coordinator wraps it).
 */
export const roles = ['cli', 'ps', 'ps-shard', 'worker', 'coordinator', 'trial'] as const;
export type Role = (typeof roles)[number];
