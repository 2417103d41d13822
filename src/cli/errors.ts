import { ZodError } from 'zod';
import { QuantumError } from '../domain/errors.js';
import { redactText } from '../sinks/logger.js';

/** Error codes that mean "the user gave us something wrong": exit 2, no stack trace. */
const USER_ERROR_CODES = new Set(['QT_CONFIG_INVALID', 'QT_DATA_INVALID', 'QT_MODEL_INVALID', 'QT_USAGE']);

/**
 * Prints an error the way a user should see it and returns the exit code: 2 for bad input
 * (config, data, model, usage) with the place and the fix, 1 for anything else. Stack traces only
 * with `QUANTUM_DEBUG=1`.
 */
export const reportCliError = (
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): number => {
  const debug = process.env.QUANTUM_DEBUG === '1';
  if (error instanceof QuantumError) {
    write(`error ${error.code}: ${redactText(error.message)}\n`);
    if (debug && error.stack) write(`${redactText(error.stack)}\n`);
    return USER_ERROR_CODES.has(error.code) ? 2 : 1;
  }
  if (error instanceof ZodError) {
    write(`error QT_INPUT_INVALID: ${redactText(error.message)}\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`error: ${redactText(message)}\n`);
  if (debug && error instanceof Error && error.stack) write(`${redactText(error.stack)}\n`);
  return 1;
};
