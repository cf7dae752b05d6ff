import { z } from 'zod';

/**
 * Data files that travel with a job: the job spec names each file a worker needs (`dataFiles`), and a worker that has
 * no such file at the path (another host) fetches it from the parameter server over its authenticated connection,
 * chunk by chunk, by the file's sha256. The server serves only the files its job names, so a request cannot reach
 * any other path.
 */


/** Bytes per file-chunk: far below any server's maxPayload (its control slack is 1 MiB), big enough to stream fast. */
export const DATA_CHUNK_BYTES = 256 * 1024;

/** Largest data file a job may name (1 TiB): sizes travel as msgpack integers and must stay exact. */
export const MAX_DATA_FILE_BYTES = 2 ** 40;

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Worker → server: send the piece of the job's data file `sha256` that starts at `offset` (DATA_CHUNK_BYTES long). */
export interface FileRequestMessage {
  type: 'file-request';
  v: number;
  sha256: string;
  offset: number;
}

/** Server → worker: `data` is the file `sha256`'s bytes from `offset`; `size` is the whole file's. */
export interface FileChunkMessage {
  type: 'file-chunk';
  v: number;
  sha256: string;
  offset: number;
  size: number;
  data: Uint8Array;
}

/** One `dataFiles` entry of a job spec. */
export const dataFileSchema = z
  .object({
    path: z.string().min(1).max(4096).describe('the file as the dataset spec names it (absolute)'),
    size: z.number().int().min(0).max(MAX_DATA_FILE_BYTES).describe('bytes'),
    sha256: z.string().regex(SHA256_HEX, 'expected 64 lowercase hex digits').describe('SHA-256 of the content, lowercase hex'),
  })
  .strict();

/**
 * A job spec's `dataFiles`: each file its dataset reads, once.
 * @example
 * dataFilesSchema.parse([{ path: '/data/train.idx', size: 47040016, sha256: 'ab12…' }]);
 */
export const dataFilesSchema = z.array(dataFileSchema).superRefine((files, ctx) => {
  files.forEach((f, i) => {
    if (files.findIndex((g) => g.path === f.path) < i) ctx.addIssue({ code: 'custom', path: [i, 'path'], message: `"${f.path}" is named twice` });
  });
});

/** One file the job's dataset reads: its absolute path, its size and the lowercase hex SHA-256 of its content. */
export type DataFile = z.output<typeof dataFileSchema>;
