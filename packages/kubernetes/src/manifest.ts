import type { IJob } from 'kubernetes-models/batch/v1';
import type { IConfigMap, ISecret, IService } from 'kubernetes-models/v1';

/** Every kind of object tensorfleet writes, as the plain JSON the API takes. */
export type Manifest = ISecret | IConfigMap | IService | IJob;

/** `Kind/name` of a manifest, for messages. */
export function manifestId(m: Manifest): string {
  return `${m.kind}/${m.metadata?.name ?? '?'}`;
}
