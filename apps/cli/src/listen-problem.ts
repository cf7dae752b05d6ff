/**
 * One line for an error listening on `where` (port in use, no permission, no such address), or null when `err` is
 * another kind of error. Commands exit with exitCodes.unavailable after it.
 * @example
 * listenProblem(err, '0.0.0.0:7070') // 'cannot listen on 0.0.0.0:7070: the port is in use (choose another with --port)'
 */
export function listenProblem(err: unknown, where: string): string | null {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EADDRINUSE') return `cannot listen on ${where}: the port is in use (choose another with --port)`;
  if (code === 'EACCES') return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: no such local address (check --host)`;
  return null;
}
