/**
 * The program an SSH host runs around each remote process (as `node -e SOURCE ARGV...`, so hosts need nothing
 * installed beyond tensorfleet itself). Its stdin is the session's lifeline:
 * - the first line is JSON `{env, graceMs}`: the environment to add (the token travels here, never in argv, which
 *   `ps` shows on both machines; ssh's SendEnv would need AcceptEnv on every sshd);
 * - then `TERM` / `KILL` lines signal the process group;
 * - EOF (a stop, or the owner's ssh died and sshd closed the session) SIGTERMs the group, SIGKILLs it after graceMs.
 * The process runs in its own process group (and dies with the wrapper, by setpriv --pdeathsig where available); the
 * wrapper exits with its code (128+N for signal N), after killing whatever it left in its group.
 */
export const remoteWrapperSource = String.raw`
const { spawn } = require('child_process');
const { existsSync } = require('fs');
const { constants } = require('os');
const argv = process.argv.slice(1);
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
let child = null, graceMs = 3000, pending = '';
const group = (sig) => { if (child && child.pid) try { process.kill(-child.pid, sig); } catch {} };
const start = (header) => {
  const h = JSON.parse(header);
  graceMs = h.graceMs;
  const cmd = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...argv] : argv;
  child = spawn(cmd[0], cmd.slice(1), { env: { ...process.env, ...h.env }, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('error', (e) => { process.stderr.write('cannot start ' + argv[0] + ': ' + e.message + '\n'); process.exit(127); });
  child.on('exit', (code, sig) => { group('SIGKILL'); process.exit(code ?? 128 + (constants.signals[sig] || 9)); });
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  pending += d;
  for (let i; (i = pending.indexOf('\n')) >= 0; ) {
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    if (!child) start(line); else if (line === 'TERM') group('SIGTERM'); else if (line === 'KILL') group('SIGKILL');
  }
});
process.stdin.on('end', () => {
  if (!child) process.exit(125);
  group('SIGTERM');
  setTimeout(() => { group('SIGKILL'); process.exit(137); }, graceMs);
});
`;
