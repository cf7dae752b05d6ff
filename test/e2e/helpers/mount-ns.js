// "Another host's file system" for a process on this one: a private mount namespace (util-linux `unshare --mount`,
// mounts private by default) in which a folder is an empty tmpfs, so the process does not see what is there for us.
import { spawnSync } from 'node:child_process';

/** Why private mount namespaces cannot be made here, or null (they need root and util-linux's `unshare`). */
export function mountNsUnavailableReason() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `not root (uid ${process.getuid()}): unshare --mount needs root`;
  const r = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt'], { encoding: 'utf8' });
  if (r.error) return "util-linux's `unshare` is not installed";
  if (r.status !== 0) return `unshare --mount failed: ${r.stderr.trim()}`;
  return null;
}

const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

/**
 * A command prefix that runs the rest in its own mount namespace where `dir` is empty, except for `files`
 * ({ name: sourcePath }) copied into it first (e.g. a different file at the same path).
 * @example startCli(['worker', ...], { prefix: [...net.exec('w0'), ...withoutFolder('/data/ps')] })
 */
export function withoutFolder(dir, { files = {} } = {}) {
  const copies = Object.entries(files).map(([name, source]) => ` && cp ${quote(source)} "$0"/${quote(name)}`).join('');
  return ['unshare', '--mount', 'sh', '-c', `mount -t tmpfs tmpfs "$0"${copies} && exec "$@"`, dir];
}
