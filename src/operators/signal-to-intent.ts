import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  describeSignal,
  type OrderDenied,
  type PositionSide,
  Regime,
  type RegimeChanged,
  type Signal,
  type TradeIntent,
  timestampText,
  type UniverseChanged,
  type UniverseExclusion,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';

export const signalToIntentParams = z
  .object({
    /** Signals below this confidence open nothing. */
    minConfidence: z.number().min(0).max(1).default(0.55),
    /** SELL opens a SHORT; false ignores SELL signals. */
    allowShort: z.boolean().default(true),
    /** Strategy name carried on the intent (reports group trades by it). */
    strategy: z.string().min(1).default('ensemble'),
    /**
     * Which sides may open in each market regime (`meta-regime`), e.g.
     * `{ TRENDING_UP: long, TRENDING_DOWN: short, VOLATILE: none }`; a regime not listed (or no
     * regime yet) allows both. A refused intent is an `OrderDenied` (gate `regime`) naming why.
     */
    regimeSides: z.partialRecord(Regime, z.enum(['both', 'long', 'short', 'none'])).default({}),
  })
  .strict();
export type SignalToIntentParams = z.output<typeof signalToIntentParams>;

/**
 * Turns a confident signal into a request to open a position: BUY ⇒ LONG, SELL ⇒ SHORT (when
 * `allowShort`), with `id = symbol-ts-side` (deterministic, so every order derived from it is
 * idempotent), the signal's price, confidence and ATR, and `describeSignal` as the reason.
 * Silent for HOLD, for confidence < `minConfidence`, and for SELL when shorts are off.
 */
export const signalToIntent = (
  params: z.input<typeof signalToIntentParams> = {},
): OperatorFunction<Signal, TradeIntent> => {
  const p = signalToIntentParams.parse(params);
  // A stream of signals carries no regime, so no intent is refused by `regimeSides` here.
  return operate(() => createSignalToIntent(p)) as OperatorFunction<Signal, TradeIntent>;
};

/**
 * The strategy's logic (see `signalToIntent`), as a handler the kernel and the operator share. With
 * Universe OS on, a `UniverseChanged` replaces the symbols new entries may open on: a signal on any
 * other symbol is an `OrderDenied` (gate `universe`) naming the refresh and why the symbol is out.
 * Before the first universe every symbol may open; open positions are never touched here.
 */
export const createSignalToIntent = (
  p: SignalToIntentParams,
): Handler<
  Signal | RegimeChanged | UniverseChanged | { readonly kind: string },
  TradeIntent | OrderDenied
> => {
  const regimes = new Map<string, Regime>();
  // The latest universe (undefined: none yet), and why symbols are out: the latest universe's
  // exclusions, and for those that left by rank, the refresh they left at (later ones list them no more).
  let universe: { readonly ts: number; readonly members: ReadonlySet<string> } | undefined;
  const outBecause = new Map<string, { why: UniverseExclusion; reason: string; ts: number }>();
  return {
    next(event, emit) {
      if (event.kind === 'regime-changed') {
        const change = event as RegimeChanged;
        regimes.set(change.symbol, change.regime);
        return;
      }
      if (event.kind === 'universe-changed') {
        const change = event as UniverseChanged;
        universe = { ts: change.ts, members: new Set(change.members.map((m) => m.symbol)) };
        for (const [symbol, out] of outBecause) if (out.why !== 'rank') outBecause.delete(symbol);
        for (const { symbol, why, reason } of change.excluded)
          outBecause.set(symbol, { why, reason, ts: change.ts });
        for (const symbol of universe.members) outBecause.delete(symbol);
        return;
      }
      if (event.kind !== 'signal') return;
      const signal = event as Signal;
      if (signal.action === 'HOLD' || signal.confidence < p.minConfidence) return;
      if (signal.action === 'SELL' && !p.allowShort) return;
      const side: PositionSide = signal.action === 'BUY' ? 'LONG' : 'SHORT';
      const id = `${signal.symbol}-${timestampText(signal.ts)}-${side}`;
      const { symbol, ts, price, confidence, atr } = signal;
      if (universe !== undefined && !universe.members.has(symbol)) {
        const out = outBecause.get(symbol);
        const why =
          out === undefined
            ? 'not ranked into it'
            : out.ts === universe.ts
              ? out.reason
              : `left at the refresh at ${new Date(out.ts).toISOString()} (${out.reason})`;
        emit({
          kind: 'order-denied',
          intentId: id,
          symbol,
          ts,
          gate: 'universe',
          reason: `${symbol} is not in the universe of the refresh at ${new Date(universe.ts).toISOString()}: ${why}`,
        });
        return;
      }
      const regime = regimes.get(symbol);
      const sides = regime === undefined ? 'both' : (p.regimeSides[regime] ?? 'both');
      if (sides !== 'both' && sides !== (side === 'LONG' ? 'long' : 'short')) {
        emit({
          kind: 'order-denied',
          intentId: id,
          symbol,
          ts,
          gate: 'regime',
          reason: `${side} refused in ${regime}: strategy.regimeSides allows ${sides}`,
        });
        return;
      }
      const reason = describeSignal(signal);
      const strategy = p.strategy;
      // Two literal shapes instead of a spread (one intent per actionable candle).
      emit(
        atr === undefined
          ? { kind: 'trade-intent', id, symbol, ts, side, price, confidence, strategy, reason }
          : { kind: 'trade-intent', id, symbol, ts, side, price, confidence, atr, strategy, reason },
      );
    },
  };
};
