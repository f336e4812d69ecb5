import { ValidationError } from '../core/errors.ts';

/** What each common file-system error means to a person who typed a path. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

const reasonOf = (error: unknown, reasons: Readonly<Record<string, string>>) => {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && reasons[code]) ?? code ?? (error instanceof Error ? error.message : String(error));
};

/**
 * A path given on the command line that cannot be read is bad input, said plainly
 * ("cannot read /missing.xml: no such file") rather than as an `Error: ENOENT` stack.
 * @example cannotRead('/missing.xml', enoent).message // 'cannot read /missing.xml: no such file'
 */
export function cannotRead(file: string, error: unknown, option?: string): ValidationError {
  const prefix = option ? `${option}: ` : '';
  return new ValidationError(`${prefix}cannot read ${file}: ${reasonOf(error, REASONS)}`, [], {
    cause: error,
  });
}

/** The same for a file a command was told to write (`--out`). */
export function cannotWrite(file: string, error: unknown, option?: string): ValidationError {
  const prefix = option ? `${option}: ` : '';
  const reasons = { ...REASONS, ENOENT: 'no such folder' };
  return new ValidationError(`${prefix}cannot write ${file}: ${reasonOf(error, reasons)}`, [], {
    cause: error,
  });
}
