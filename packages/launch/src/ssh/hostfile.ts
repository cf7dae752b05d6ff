import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, sshHostSchema, type SshHost } from '@tensorfleet/protocol';

/**
 * Parses a hostfile in the Horovod/DeepSpeed convention: one host per line, `host[:port] [slots=N] [gpus=0,1,...]`
 * (also `user@host`), `#` comments and blank lines allowed. A problem throws a ConfigError naming the file and line.
 *
 * @example
 * parseHostfile('gpu1:2222 slots=2 gpus=0,1\n# spare\ngpu2 slots=1', 'hosts.txt');
 * // [{ host: 'gpu1', port: 2222, slots: 2, gpus: [0, 1] }, { host: 'gpu2', port: 22, slots: 1, gpus: [] }]
 */
export function parseHostfile(text: string, file: string): SshHost[] {
  const hosts: SshHost[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [address, ...settings] = line.split(/\s+/);
    const m = /^(?:([^@\s:]+)@)?(\[[^\]]+\]|[^:\s@]+)(?::(\d+))?$/.exec(address!);
    if (!m) throw new ConfigError(`${where}: "${address}" is not host, host:port or user@host[:port]`);
    const entry: Record<string, unknown> = { host: m[2]!.replace(/^\[|\]$/g, '') };
    if (m[1]) entry.user = m[1];
    if (m[3]) entry.port = Number(m[3]);
    for (const setting of settings) {
      const kv = /^(slots|gpus)=(.*)$/.exec(setting);
      if (!kv) throw new ConfigError(`${where}: unknown setting "${setting}" (expected slots=N or gpus=0,1,...)`);
      const [, key, value] = kv;
      if (key === 'slots') {
        if (!/^\d+$/.test(value!)) throw new ConfigError(`${where}: slots expects a positive integer, got "${value}"`);
        entry.slots = Number(value);
      } else {
        if (!/^\d+(,\d+)*$/.test(value!)) throw new ConfigError(`${where}: gpus expects GPU ids like 0,1,2, got "${value}"`);
        entry.gpus = value!.split(',').map(Number);
      }
    }
    const parsed = sshHostSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`${where}: ${issue.path.join('.') || 'host'}: ${issue.message}`);
    }
    const name = hostName(parsed.data);
    if (seen.has(name)) throw new ConfigError(`${where}: ${name} is already listed on line ${seen.get(name)}`);
    seen.set(name, i + 1);
    hosts.push(parsed.data);
  });
  if (hosts.length === 0) throw new ConfigError(`${file}: lists no hosts (one per line: host[:port] slots=N gpus=0,1)`);
  return hosts;
}

/** A host's node name: `host` on port 22, `host:port` otherwise (three sshd on 127.0.0.1 are three nodes). */
export function hostName(h: Pick<SshHost, 'host' | 'port'>): string {
  return h.port === 22 ? h.host : `${h.host}:${h.port}`;
}

/**
 * The hosts an ssh launcher's `hosts` option names: an inline list, a hostfile, or a YAML file holding a list
 * (`.yaml`/`.yml`). Relative paths resolve from `baseDir` (the config file's folder).
 */
export function loadHosts(hosts: string | SshHost[], baseDir = process.cwd()): SshHost[] {
  if (typeof hosts !== 'string') return hosts;
  const file = isAbsolute(hosts) ? hosts : resolve(baseDir, hosts);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${hosts}: cannot read the hosts file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!/\.ya?ml$/i.test(file)) return parseHostfile(text, hosts);
  let list: unknown;
  try {
    list = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${hosts}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = sshHostSchema.array().min(1).safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${hosts}: ${issue.path.length ? `hosts[${issue.path.join('].')}` : 'the file'}: ${issue.message}`);
  }
  return parsed.data;
}
