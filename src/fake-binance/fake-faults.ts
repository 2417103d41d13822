import { z } from 'zod';

/**
 * The faults the fake Binance can inject, as one vocabulary for the three places that switch them:
 * tests (`FakeBinance.applyFaults`), the control API (`POST /fake/faults` with a JSON body) and a
 * scenario's schedule (`faults: [{ at: <candle index>, … }]`). Switches stay as set until changed;
 * `dropConnections` and `expireListenKey` are one-shot actions.
 */

/** Faults in force while the server runs (the switches of `FaultChange`). */
export interface Faults {
  /** Order endpoints apply the order at once but answer this much later. */
  ackDelayMs: number;
  /** Every user-data event is sent twice. */
  duplicateUserEvents: boolean;
  /** User-data events are sent in swapped pairs (the first is held until the next one). */
  reorderUserEvents: boolean;
  /** Shifts the server's time (`/time`, signature checks): a client without sync gets -1021. */
  clockSkewMs: number;
  /** While true, market websocket connections are refused and no market event is sent. */
  marketStreamsDown: boolean;
}

/** A change of faults; every key is optional, unknown keys are refused. */
export const faultChange = z
  .object({
    ackDelayMs: z.number().int().min(0).max(60_000).optional(),
    duplicateUserEvents: z.boolean().optional(),
    reorderUserEvents: z.boolean().optional(),
    clockSkewMs: z.number().int().min(-3_600_000).max(3_600_000).optional(),
    marketStreamsDown: z.boolean().optional(),
    /** New request-weight limit per minute (Binance: 2400). */
    weightLimit: z.number().int().positive().optional(),
    /** Close websockets now: `true` all of them, `market` only market-data ones. */
    dropConnections: z.union([z.boolean(), z.literal('market')]).optional(),
    /** Expire the active listenKey now (its streams get `listenKeyExpired`). */
    expireListenKey: z.boolean().optional(),
  })
  .strict();
export type FaultChange = z.output<typeof faultChange>;

/** One entry of a scenario's fault schedule: the change, applied just before candle `at` of the path is revealed. */
export const scheduledFault = faultChange.extend({ at: z.number().int().nonnegative() }).strict();
export type ScheduledFault = z.output<typeof scheduledFault>;

export const NO_FAULTS: Readonly<Faults> = {
  ackDelayMs: 0,
  duplicateUserEvents: false,
  reorderUserEvents: false,
  clockSkewMs: 0,
  marketStreamsDown: false,
};
