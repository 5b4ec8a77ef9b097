/** An input line that cannot be imported, with the file and 1-based line number. */
export class ImportError extends Error {
  override readonly name = 'ImportError';

  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${path}:${line}: ${reason}`);
  }
}

/** A problem with one line, before the reader adds path and line number. */
export class InvalidLineError extends Error {
  override readonly name = 'InvalidLineError';
}
