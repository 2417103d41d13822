import { type Logger, pino } from 'pino';

/** Keys whose values never reach a log line, at any depth we know of. */
const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'secret',
  'apiSecret',
  'token',
  'password',
  'authorization',
  'privateKey',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `headers.${key}`]);

/**
 * JSON logs on stderr (stdout stays free for command output), secrets redacted (DESIGN.md rule 9).
 * `QUANTUM_LOG_LEVEL` sets the level (default `info`; `silent` in tests).
 */
export const createLogger = (name: string, level = process.env.QUANTUM_LOG_LEVEL ?? 'info'): Logger =>
  pino(
    { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: name } },
    pino.destination({ fd: 2, sync: true }),
  );

/** Masks values of env-style secrets (`BINANCE_API_SECRET=…`) and bearer tokens inside free text. */
export const redactText = (text: string): string =>
  text
    .replace(/((?:KEY|SECRET|TOKEN|PASSWORD)[A-Z_]*\s*[=:]\s*)\S+/gi, '$1[redacted]')
    .replace(/(Bearer\s+)[\w.~+/-]+=*/gi, '$1[redacted]');
