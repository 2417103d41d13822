import { z } from 'zod';
import {
  directionOf,
  type Kline,
  type PortfolioSnapshot,
  type PositionAssessed,
  type PositionStatus,
  type SizingDecision,
} from '../domain/index.js';
import type { Handler } from '../kernel/operate.js';

export const positionIntelligenceParams = z
  .object({
    /** At or above this unrealized R (with momentum not against it) a position is LEADING. */
    leadingR: z.number().positive().default(1),
    /** At or below this unrealized R a position is AT_RISK. */
    atRiskR: z.number().max(0).default(-0.7),
    /** Held this long (ms of event time) and still below `laggingR`: LAGGING. */
    laggingAfterMs: z
      .number()
      .int()
      .positive()
      .default(6 * 3_600_000),
    laggingR: z.number().default(0.25),
    /** Momentum: the return over this many candles, in the position's direction. */
    momentumCandles: z.number().int().min(1).max(500).default(12),
    /** 1R as a fraction of the entry when the position's own risk is unknown (adopted positions). */
    defaultRiskPct: z.number().positive().max(50).default(1.5),
  })
  .strict();
export type PositionIntelligenceParams = z.output<typeof positionIntelligenceParams>;

const RECOMMENDATION: Record<PositionStatus, PositionAssessed['recommendation']> = {
  LEADING: 'HOLD_OR_SCALE_IN',
  NEUTRAL: 'HOLD',
  LAGGING: 'TIGHTEN_OR_EXIT',
  AT_RISK: 'REDUCE',
};

/** The measures of one position at one candle. */
export interface PositionMeasures {
  readonly unrealizedR: number;
  readonly momentum: number;
  readonly heldMs: number;
}

/**
 * The classifier: AT_RISK at or below `atRiskR`; LEADING at or above `leadingR` unless the recent
 * candles run against it; LAGGING when held `laggingAfterMs` and still under `laggingR`; else
 * NEUTRAL. Returns the status and why.
 */
export const assessPosition = (
  m: PositionMeasures,
  p: PositionIntelligenceParams,
): { status: PositionStatus; why: string } => {
  const r = `${m.unrealizedR.toFixed(2)}R`;
  const hours = (m.heldMs / 3_600_000).toFixed(1);
  if (m.unrealizedR <= p.atRiskR) return { status: 'AT_RISK', why: `${r} ≤ ${p.atRiskR}R` };
  if (m.unrealizedR >= p.leadingR && m.momentum >= 0)
    return {
      status: 'LEADING',
      why: `${r} ≥ ${p.leadingR}R, momentum ${(m.momentum * 100).toFixed(2)} % with it`,
    };
  if (m.heldMs >= p.laggingAfterMs && m.unrealizedR < p.laggingR)
    return { status: 'LAGGING', why: `${r} < ${p.laggingR}R after ${hours} h` };
  return { status: 'NEUTRAL', why: `${r} after ${hours} h` };
};

/**
 * Position intelligence (PIL, issue #18): after each candle, every open position of that symbol
 * (from the latest portfolio snapshot) is measured — unrealized R against the risk its sizing
 * decision took (1R = entry to stop; `defaultRiskPct` of the entry for a position the engine did
 * not size), momentum over the last `momentumCandles` closes in its direction, time held — and
 * classified by `assessPosition`. A `PositionAssessed` event with a recommendation (LEADING: hold
 * or scale in, NEUTRAL: hold, LAGGING: tighten or exit, AT_RISK: reduce) is emitted when a
 * position's status changes. It advises; acting on it is PAL's and the monitor's.
 */
export const createPositionIntelligence = (
  p: PositionIntelligenceParams,
): Handler<{ readonly kind: string }, PositionAssessed> => {
  const riskPerUnit = new Map<string, number>();
  const closes = new Map<string, number[]>();
  const statuses = new Map<string, PositionStatus>();
  let snapshot: PortfolioSnapshot | undefined;
  return {
    next(event, emit) {
      if (event.kind === 'sizing-decision') {
        const decision = event as SizingDecision;
        riskPerUnit.set(decision.intentId, decision.riskPerUnit);
        return;
      }
      if (event.kind === 'portfolio-snapshot') {
        snapshot = event as PortfolioSnapshot;
        // Forget the statuses of positions that closed.
        const open = new Set(snapshot.positions.map((position) => position.intentId));
        for (const intentId of statuses.keys()) if (!open.has(intentId)) statuses.delete(intentId);
        return;
      }
      if (event.kind !== 'kline') return;
      const kline = event as Kline;
      const history = closes.get(kline.symbol) ?? [];
      history.push(kline.close);
      if (history.length > p.momentumCandles + 1) history.shift();
      closes.set(kline.symbol, history);
      for (const position of snapshot?.positions ?? []) {
        if (position.symbol !== kline.symbol) continue;
        const direction = directionOf(position.side);
        const risk = riskPerUnit.get(position.intentId) ?? (position.entryPrice * p.defaultRiskPct) / 100;
        const measures: PositionMeasures = {
          unrealizedR: ((kline.close - position.entryPrice) * direction) / risk,
          momentum: history.length > 1 ? ((kline.close - history[0]) / history[0]) * direction : 0,
          heldMs: Math.max(0, kline.ts - position.openedTs),
        };
        const { status, why } = assessPosition(measures, p);
        const previous = statuses.get(position.intentId);
        if (status === previous) continue;
        statuses.set(position.intentId, status);
        emit({
          kind: 'position-assessed',
          symbol: position.symbol,
          ts: kline.ts,
          intentId: position.intentId,
          status,
          ...(previous === undefined ? {} : { previous }),
          unrealizedR: measures.unrealizedR,
          momentum: measures.momentum,
          heldMs: measures.heldMs,
          recommendation: RECOMMENDATION[status],
          reason: `${position.side} ${position.symbol} ${previous === undefined ? '' : `${previous} → `}${status}: ${why}`,
        });
      }
    },
  };
};
