// One atomic write for the whole project (temp file named by its writer, fsync, rename, fsync of the folder): the PS's.
export { writeFileAtomicSync as writeFileAtomic } from '@tensorfleet/ps';
