// A private little network for multi-host tests: one network namespace per "host", each with a veth whose other end
// sits on a bridge inside a "switch" namespace. Nothing is added to the caller's own namespace, so every packet stays
// inside namespaces we created and delete.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const prefix = 'tfe2e-';

function ip(...args) {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why namespaces cannot be made here, or null when they can (root and iproute2's `ip`). */
export function netnsUnavailableReason() {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `not root (uid ${process.getuid()}): ip netns needs root`;
  try {
    ip('-V');
  } catch {
    return "iproute2's `ip` is not installed (apt-get install iproute2)";
  }
  return null;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function deleteNamespace(name) {
  // Processes still inside would keep the veths alive; kill them first (they are ours: started by this test).
  try {
    for (const pid of ip('netns', 'pids', name).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // namespace already gone
  }
  try {
    ip('netns', 'del', name);
  } catch {
    // already gone
  }
}

/** Deletes namespaces left by an earlier test process that died before its cleanup ran. */
function deleteStaleNamespaces() {
  if (!existsSync('/run/netns')) return;
  for (const name of readdirSync('/run/netns')) {
    const owner = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('-')[0]) : NaN;
    if (Number.isInteger(owner) && owner !== process.pid && !isAlive(owner)) deleteNamespace(name);
  }
}

/**
 * Creates hosts `names` on 10.200.0.0/24 (the i-th gets 10.200.0.(i+1)) joined by a bridge. Returns each host's
 * namespace and address, `exec(host)` (the argv prefix that runs a command inside it) and `destroy()`, which is
 * idempotent and also runs if the process exits first.
 * @example
 * const net = createNetwork(['ps', 'w0']);
 * try { spawn(...net.exec('ps'), 'node', ...) } finally { net.destroy(); }
 */
export function createNetwork(names) {
  deleteStaleNamespaces();
  const ns = (name) => `${prefix}${process.pid}-${name}`;
  const created = [];
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const name of [...created].reverse()) deleteNamespace(name);
    process.off('exit', destroy);
  };
  process.on('exit', destroy);
  try {
    const sw = ns('switch');
    ip('netns', 'add', sw);
    created.push(sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    const hosts = {};
    names.forEach((name, i) => {
      const namespace = ns(name);
      ip('netns', 'add', namespace);
      created.push(namespace);
      const address = `10.200.0.${i + 1}`;
      // The veth is born inside the host's namespace with its peer placed straight into the switch's.
      ip('-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', sw);
      ip('-n', sw, 'link', 'set', `port${i}`, 'master', 'br0');
      ip('-n', sw, 'link', 'set', `port${i}`, 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      hosts[name] = { namespace, address };
    });
    return { hosts, exec: (name) => ['ip', 'netns', 'exec', hosts[name].namespace], destroy, namespaces: () => [...created] };
  } catch (err) {
    destroy();
    throw err;
  }
}

/** Names of the network namespaces that exist now. */
export function listNamespaces() {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}
