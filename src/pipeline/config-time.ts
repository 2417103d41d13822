import { z } from 'zod';

/** A date in the config: ISO-8601 (`2026-02-01`, `2026-02-01T12:00Z`, UTC when no zone) or ms since epoch. */
export const ConfigTime = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .refine(
      (text) => !Number.isNaN(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)),
      {
        message: 'expected an ISO date such as 2026-02-01 or 2026-02-01T12:00Z',
      },
    ),
]);
