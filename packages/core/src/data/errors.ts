/**
 * A dataset file that is truncated or malformed. The message names the file, where the problem is (byte offset or
 * line) and what was expected there; the same facts are fields for programs.
 *
 * @example
 * try { loadIdx({ images: 'x.idx', labels: 'y.idx' }); }
 * catch (e) { if (e instanceof DataFormatError) console.error(e.file, e.offset, e.expected); }
 */
export class DataFormatError extends Error {
  constructor(
    readonly file: string,
    /** Where: `{ offset }` in bytes (of the decompressed stream for .gz files) or `{ line }` (1-based) for text. */
    readonly location: { offset: number } | { line: number },
    readonly expected: string,
    readonly found?: string,
  ) {
    const where = 'offset' in location ? `byte offset ${location.offset}` : `line ${location.line}`;
    super(`${file}: at ${where}: expected ${expected}${found === undefined ? '' : `, found ${found}`}`);
    this.name = 'DataFormatError';
  }

  get offset(): number | undefined {
    return 'offset' in this.location ? this.location.offset : undefined;
  }

  get line(): number | undefined {
    return 'line' in this.location ? this.location.line : undefined;
  }
}
