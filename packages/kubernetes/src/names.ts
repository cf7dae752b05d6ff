/** The labels every object of one tensorfleet job carries (the Service selects the PS pod by them). */
export function jobLabels(name: string, component: 'ps' | 'worker' | 'trial'): Record<string, string> {
  return { 'app.kubernetes.io/name': 'tensorfleet', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': component };
}

/** The names of a training job's objects, all derived from the one `name` option. */
export function objectNames(name: string): { ps: string; workers: string; token: string; config: string } {
  return { ps: `${name}-ps`, workers: `${name}-workers`, token: `${name}-token`, config: `${name}-config` };
}

/**
 * A DNS-1123 label made of any text (a study's name), at most `max` characters: lowercase, runs of other characters
 * become one '-', no '-' at either end; 'x' when nothing is left.
 * @example
 * dnsLabel('My Study_2', 20); // 'my-study-2'
 */
export function dnsLabel(text: string, max: number): string {
  const label = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, max).replace(/^-+|-+$/g, '');
  return label || 'x';
}

/** Where a pod finds the job config (the ConfigMap's one key) and writes its run folder. */
export const podPaths = { configDir: '/etc/tensorfleet', configKey: 'job.yaml', config: '/etc/tensorfleet/job.yaml', run: '/var/lib/tensorfleet/run' } as const;

/** The key of the token in its Secret, and the variable the token reaches the process as. */
export const tokenKey = 'token';
export const tokenEnv = 'TENSORFLEET_TOKEN';
