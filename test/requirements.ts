// What a test needs from outside the repository (shared data, the `xgboost` CLI), and how a test file
// says it is skipping tests for want of it: one line on stdout,
//
//   QUANTUM_SKIP: <test file>: <what is missing and how to get it>
//
// which scripts/run-tests.mjs reports as a skip (or, under CI=true, as a failure). Also an error
// assertion that compares message and code: uvu's `assert.equal` holds any two Error objects equal.
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import * as assert from 'uvu/assert';

/** The prefix of a skip line; scripts/run-tests.mjs looks for it at the start of a line. */
export const SKIP_PREFIX = 'QUANTUM_SKIP:';

const reported = new Set<string>();

/**
 * True when nothing is missing. Each argument is what one requirement lacks (`undefined` when it
 * is met); when any is missing, prints one skip line naming all of them and returns false, so the
 * caller registers none of the tests that need them:
 *
 *   if (requires(missingSharedData('klines/AVAXUSDT-1m-2026-02.csv'), missingXgboost())) { test(…) }
 */
export const requires = (...missing: (string | undefined)[]): boolean => {
  const reasons = missing.filter((reason): reason is string => reason !== undefined);
  if (reasons.length === 0) return true;
  const reason = reasons.join('; ').replace(/\s+/g, ' ');
  if (!reported.has(reason)) {
    reported.add(reason);
    const file = process.argv[1] ? relative(process.cwd(), process.argv[1]) : 'test';
    process.stdout.write(`${SKIP_PREFIX} ${file}: ${reason}\n`);
  }
  return false;
};

let xgboostOnPath: boolean | undefined;

/** Why the `xgboost` CLI is unusable (not on PATH, or `xgboost --version` fails), or undefined. */
export const missingXgboost = (): string | undefined => {
  xgboostOnPath ??= spawnSync('xgboost', ['--version'], { encoding: 'utf8' }).status === 0;
  return xgboostOnPath ? undefined : 'needs the xgboost CLI on PATH (apt-get install -y xgboost)';
};

let redisOnPath: boolean | undefined;

/** Why a local redis-server cannot be started (not on PATH), or undefined. */
export const missingRedis = (): string | undefined => {
  redisOnPath ??= spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  return redisOnPath ? undefined : 'needs redis-server on PATH (apt-get install -y redis-server)';
};

/** True when the `xgboost` CLI runs; otherwise prints a skip line and returns false. */
export const needXgboost = (): boolean => requires(missingXgboost());

/** Any class (for `instanceof`). */
type AnyClass = abstract new (...args: never[]) => unknown;

/** What a thrown error must be: at least its message or its code. */
export interface ExpectedError {
  /** The exact message, or a pattern it must match. */
  readonly message?: string | RegExp;
  /** The error's `code` property (e.g. 'QT_CONFIG' or 'ENOENT'). */
  readonly code?: string;
  /** A class the error must be an instance of. */
  readonly type?: AnyClass;
}

/** uvu's `unreachable`, typed as never returning. */
const fail = (message: string): never => {
  assert.unreachable(message);
  throw new Error(message);
};

const check = (error: unknown, expected: ExpectedError): Error => {
  if (expected.message === undefined && expected.code === undefined)
    throw new TypeError('assertError: give the expected message or code, not only a type');
  const thrown = error instanceof Error ? error : fail(`expected an Error, got ${String(error)}`);
  if (expected.type !== undefined)
    assert.ok(
      thrown instanceof expected.type,
      `expected a ${expected.type.name}, got a ${thrown.constructor.name}: ${thrown.message}`,
    );
  if (typeof expected.message === 'string') assert.is(thrown.message, expected.message);
  else if (expected.message !== undefined) assert.match(thrown.message, expected.message);
  if (expected.code !== undefined)
    assert.is((thrown as { code?: unknown }).code, expected.code, `code of: ${thrown.message}`);
  return thrown;
};

const describe = (expected: ExpectedError): string =>
  [expected.type?.name, expected.code, expected.message === undefined ? undefined : String(expected.message)]
    .filter(Boolean)
    .join(' ');

/** Calls `fn`, which must throw an error like `expected`; returns that error. */
export const assertError = (fn: () => unknown, expected: ExpectedError): Error => {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return check(error, expected);
  }
  if (result instanceof Promise) {
    result.catch(() => {}); // its rejection, if any, is reported by the failure below
    fail('the function returned a promise: use assertRejects');
  }
  return fail(`expected an error (${describe(expected)}), but nothing was thrown`);
};

/** Awaits `work` (a promise, or a function giving one), which must reject with an error like `expected`. */
export const assertRejects = async (
  work: Promise<unknown> | (() => Promise<unknown>),
  expected: ExpectedError,
): Promise<Error> => {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    return check(error, expected);
  }
  return fail(`expected a rejection (${describe(expected)}), but it resolved`);
};

/** `value` with every Error in it replaced by a plain record of its class name, message and code. */
const errorsAsRecords = (value: unknown, seen = new Map<object, unknown>()): unknown => {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Error) {
    const record = {
      error: value.constructor.name,
      message: value.message,
      code: (value as { code?: unknown }).code,
    };
    seen.set(value, record);
    return record;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(errorsAsRecords(item, seen));
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = errorsAsRecords(item, seen);
  return copy;
};

/**
 * uvu's `assert.equal`, except that Error objects anywhere inside compare by class name, message and
 * code (uvu holds any two Errors equal). E.g. `new TestScheduler(assertEqual)` for marbles with `#`.
 */
export const assertEqual = (actual: unknown, expected: unknown, message?: string): void =>
  assert.equal(errorsAsRecords(actual), errorsAsRecords(expected), message);
