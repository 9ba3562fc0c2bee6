import { InvalidArgumentError } from 'commander';

/**
 * An option value that must not be empty: `--rubric ""` (an unset shell
 * variable) would otherwise read as no option at all and be ignored.
 */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a non-empty value');
  return value;
}
