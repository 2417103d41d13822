import type { Observable, OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  directionOf,
  type OrderDenied,
  type PortfolioSnapshot,
  Regime,
  type RegimeChanged,
  type SizingDecision,
  sizingDecisionOf,
  type TradeIntent,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';

export const positionSizingParams = z
  .object({
    method: z.enum(['fixed-fraction', 'atr-stop']).default('fixed-fraction'),
    /** Equity until the first PortfolioSnapshot arrives. */
    initialEquityUsdt: z.number().positive().default(10_000),
    /** fixed-fraction: share of equity posted as margin per trade. */
    fraction: z.number().positive().max(1).default(0.1),
    /** fixed-fraction: leverage applied to that margin. */
    leverage: z.number().positive().default(3),
    /** fixed-fraction: stop distance from the price, percent. */
    stopLossPct: z.number().positive().max(100).default(1.5),
    /** fixed-fraction: take-profit distance from the price, percent (0 = no take-profit). */
    takeProfitPct: z.number().nonnegative().default(3),
    /** Take-profit as a multiple of the stop distance; overrides `takeProfitPct`. atr-stop default 2. */
    rewardRisk: z.number().positive().optional(),
    /** atr-stop: equity risked per trade (lost if the stop fills), percent. */
    riskPct: z.number().positive().max(100).default(1),
    /** atr-stop: stop distance in ATRs. */
    atrMultiplier: z.number().positive().default(2),
    /** atr-stop: highest leverage the sizer may ask for; the position shrinks to fit. */
    maxLeverage: z.number().positive().max(125).default(5),
    /**
     * Size multiplier per market regime (`meta-regime`), e.g. `{ VOLATILE: 0.5 }`: the sizing
     * equity is scaled, so the position and its risk scale alike; 0 refuses entries in that regime.
     * A regime not listed, or no regime yet, sizes at 1.
     */
    regimeScale: z.partialRecord(Regime, z.number().min(0).max(10)).default({}),
  })
  .strict();
export type PositionSizingParams = z.output<typeof positionSizingParams>;

/** atr-stop's take-profit multiple when `rewardRisk` is not set. */
const ATR_STOP_DEFAULT_REWARD_RISK = 2;

const denied = (intent: TradeIntent, reason: string): OrderDenied => ({
  kind: 'order-denied',
  intentId: intent.id,
  symbol: intent.symbol,
  ts: intent.ts,
  gate: 'sizing',
  reason,
});

/**
 * Sizes one intent against an equity (pure; exported for tests and the hand-written benchmark).
 *
 * fixed-fraction: notional = equity × fraction × leverage; stop at `stopLossPct` from the price;
 *   TP at `takeProfitPct` (or `rewardRisk` × stop distance); leverage = `leverage`.
 *   10 000 USDT, 0.1, 3×, price 100 ⇒ notional 3000, qty 30, stop 98.5, TP 103, 1R = 1.5.
 * atr-stop: stop distance = atrMultiplier × ATR; qty = equity × riskPct% / distance (a stop fill
 *   loses riskPct of equity); TP = rewardRisk (2) × distance. Leverage = the notional/equity
 *   ratio rounded up to a whole number (Binance leverage is an integer), at least 1, capped at
 *   `maxLeverage`; when the cap binds the qty shrinks to equity × maxLeverage / price, so the
 *   margin never exceeds equity (risk is then below riskPct).
 *   10 000 USDT, 1%, ATR 2 × 2, price 100 ⇒ distance 4, qty 25, notional 2500, leverage 1, TP 108.
 * Denied (gate 'sizing') without an ATR for atr-stop, with equity ≤ 0, or when a stop would
 * land at or below zero.
 */
export const sizeIntent = (
  p: PositionSizingParams,
  intent: TradeIntent,
  equityUsdt: number,
): SizingDecision | OrderDenied => {
  if (!(equityUsdt > 0)) return denied(intent, `equity ${equityUsdt} USDT ≤ 0`);
  const price = intent.price;
  const direction = directionOf(intent.side);
  let qty: number;
  let leverage: number;
  let distance: number;
  let takeProfitDistance: number;
  if (p.method === 'fixed-fraction') {
    leverage = p.leverage;
    qty = (equityUsdt * p.fraction * leverage) / price;
    distance = (price * p.stopLossPct) / 100;
    takeProfitDistance =
      p.rewardRisk !== undefined ? p.rewardRisk * distance : (price * p.takeProfitPct) / 100;
  } else {
    const atr = intent.atr;
    if (atr === undefined || !(atr > 0)) return denied(intent, 'no ATR');
    distance = p.atrMultiplier * atr;
    qty = (equityUsdt * p.riskPct) / 100 / distance;
    const neededLeverage = (qty * price) / equityUsdt;
    leverage = Math.min(p.maxLeverage, Math.max(1, Math.ceil(neededLeverage)));
    if (neededLeverage > p.maxLeverage) qty = (equityUsdt * p.maxLeverage) / price;
    takeProfitDistance = (p.rewardRisk ?? ATR_STOP_DEFAULT_REWARD_RISK) * distance;
  }
  const stopPrice = price - direction * distance;
  if (!(stopPrice > 0))
    return denied(intent, `stop ${stopPrice} ≤ 0 (stop distance ${distance} ≥ price ${price})`);
  const takeProfitPrice = price + direction * takeProfitDistance;
  const riskPerUnit = Math.abs(price - stopPrice);
  const notionalUsdt = qty * price;
  const { id: intentId, symbol, ts, side } = intent;
  const method = p.method;
  return sizingDecisionOf(
    { intentId, symbol, ts, side, price, qty, notionalUsdt, leverage, stopPrice, riskPerUnit, method },
    takeProfitDistance > 0 && takeProfitPrice > 0 ? takeProfitPrice : undefined,
  );
};

/**
 * The sizer's logic (see `positionSizing`), as a handler the kernel and the operator share: keeps
 * the latest snapshot's equity, sizes each intent with it.
 */
export const createPositionSizing = (
  p: PositionSizingParams,
): Handler<TradeIntent | PortfolioSnapshot | { readonly kind: string }, SizingDecision | OrderDenied> => {
  // The latest snapshot's equity as an object's field, updated in place: a closure's `let` would
  // box a new heap number at every snapshot (one per candle).
  const latest = { equityUsdt: p.initialEquityUsdt };
  const regimes = new Map<string, Regime>();
  return {
    next(event, emit) {
      if (event.kind === 'portfolio-snapshot') latest.equityUsdt = (event as PortfolioSnapshot).equityUsdt;
      else if (event.kind === 'regime-changed') {
        const change = event as RegimeChanged;
        regimes.set(change.symbol, change.regime);
      } else if (event.kind === 'trade-intent') {
        const intent = event as TradeIntent;
        const regime = regimes.get(intent.symbol);
        const scale = regime === undefined ? 1 : (p.regimeScale[regime] ?? 1);
        if (scale === 1) {
          emit(sizeIntent(p, intent, latest.equityUsdt));
          return;
        }
        if (scale === 0) {
          emit(denied(intent, `regime ${regime}: sizing.regimeScale is 0 (no entries)`));
          return;
        }
        const sized = sizeIntent(p, intent, latest.equityUsdt * scale);
        emit(
          sized.kind === 'sizing-decision'
            ? sizingDecisionOf(
                { ...sized, method: `${sized.method} ×${scale} (${regime})` },
                sized.takeProfitPrice,
              )
            : sized,
        );
      }
    },
  };
};

/**
 * Sizes each intent with the equity of the latest `PortfolioSnapshot` (see `sizeIntent` for the
 * arithmetic).
 *
 * @param params sizing method and its knobs (`positionSizingParams`).
 * @param portfolio$ account state; subscribed before the intents (like `withLatestFrom`), and
 *   until it has emitted, equity is `initialEquityUsdt`. Its errors error the stream; its
 *   completion keeps the last snapshot. (In the kernel, snapshots arrive on the bus in order.)
 * @returns one `SizingDecision` or `OrderDenied` (gate 'sizing') per intent, synchronously.
 */
export const positionSizing = (
  params: z.input<typeof positionSizingParams>,
  portfolio$: Observable<PortfolioSnapshot>,
): OperatorFunction<TradeIntent, SizingDecision | OrderDenied> => {
  const p = positionSizingParams.parse(params);
  return operate(() => createPositionSizing(p), portfolio$);
};
