import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  type KillSwitchTripped,
  marketExitOrder,
  type OrderRequest,
  type PortfolioSnapshot,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';

/** Drawdown from peak equity, percent, at which trading stops; shared by `killSwitch` and `riskGates`. */
export const DEFAULT_MAX_DRAWDOWN_PCT = 20;

/** Revision of kill-switch exit ids, so they never collide with the monitor's time exit (revision 0). */
export const KILL_SWITCH_EXIT_REVISION = 1;

export const killSwitchParams = z
  .object({
    /** Trip when `drawdownPct` ≥ this. */
    maxDrawdownPct: z.number().positive().max(100).default(DEFAULT_MAX_DRAWDOWN_PCT),
    /** On trip, close every open position with a reduce-only MARKET order. */
    flatten: z.boolean().default(true),
  })
  .strict();
export type KillSwitchParams = z.output<typeof killSwitchParams>;

/** Whether a snapshot's drawdown reached the limit: the one kill-switch check (the gate asks it too). */
export const drawdownBreached = (snapshot: PortfolioSnapshot, maxDrawdownPct: number): boolean =>
  snapshot.drawdownPct >= maxDrawdownPct;

/** The kill switch's logic (see `killSwitch`), as a handler the kernel and the operator share. */
export const createKillSwitch = (
  p: KillSwitchParams,
): Handler<PortfolioSnapshot | { readonly kind: string }, KillSwitchTripped | OrderRequest> => {
  // Sticky: once tripped this handler never emits again.
  let tripped = false;
  return {
    next(event, emit) {
      if (event.kind !== 'portfolio-snapshot') return;
      const snapshot = event as PortfolioSnapshot;
      if (tripped || !drawdownBreached(snapshot, p.maxDrawdownPct)) return;
      tripped = true;
      emit({
        kind: 'kill-switch-tripped',
        ts: snapshot.ts,
        gate: 'kill-switch',
        reason: `drawdown ${snapshot.drawdownPct.toFixed(2)}% ≥ max ${p.maxDrawdownPct}% (equity ${snapshot.equityUsdt.toFixed(2)} USDT, peak ${snapshot.peakEquityUsdt.toFixed(2)} USDT)`,
      });
      if (!p.flatten) return;
      for (const position of snapshot.positions) {
        emit(
          marketExitOrder({
            intentId: position.intentId,
            symbol: position.symbol,
            ts: snapshot.ts,
            positionSide: position.side,
            qty: position.qty,
            exitReason: 'KILL_SWITCH',
            reason: `kill switch: drawdown ${snapshot.drawdownPct.toFixed(2)}%`,
            revision: KILL_SWITCH_EXIT_REVISION,
          }),
        );
      }
    },
  };
};

/**
 * Watches the account and stops the bleeding once. The first snapshot with
 * `drawdownPct ≥ maxDrawdownPct` emits a `KillSwitchTripped` (gate 'kill-switch') and then, when
 * `flatten`, one reduce-only MARKET EXIT (exitReason KILL_SWITCH) per open position, in the
 * snapshot's position order, with id `clientOrderIdFor(intentId, 'EXIT', 1)` — deterministic, so
 * a replay or a retry can never double it. Silent before the trip and forever after it (sticky;
 * `riskGates` keeps denying entries on its own). Resting stops/TPs are left to the venue, which
 * cancels reduce-only orders when a position goes flat.
 */
export const killSwitch = (
  params: z.input<typeof killSwitchParams> = {},
): OperatorFunction<PortfolioSnapshot, KillSwitchTripped | OrderRequest> => {
  const p = killSwitchParams.parse(params);
  return operate(() => createKillSwitch(p));
};
