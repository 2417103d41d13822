// Position intelligence (PIL): the classifier on hand-computed measures, and the handler on a
// hand-made position — R against its own risk (or the default for an adopted one), momentum in its
// direction, time held — emitting an assessment only when the status changes.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PortfolioSnapshot, Position, PositionAssessed } from '../../src/domain/index.js';
import { type Handler, operate } from '../../src/kernel/operate.js';
import {
  assessPosition,
  createPositionIntelligence,
  positionIntelligenceParams,
} from '../../src/operators/position-intelligence.js';
import { kline, sizing, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const P = positionIntelligenceParams.parse({});
const HOUR = 3_600_000;

test('classifier: AT_RISK at −0.7R, LEADING at 1R with momentum, LAGGING after 6 h under 0.25R, else NEUTRAL', () => {
  assert.is(assessPosition({ unrealizedR: -0.7, momentum: 0.01, heldMs: 0 }, P).status, 'AT_RISK');
  assert.is(assessPosition({ unrealizedR: 1, momentum: 0, heldMs: 0 }, P).status, 'LEADING');
  assert.is(
    assessPosition({ unrealizedR: 1.5, momentum: -0.001, heldMs: 0 }, P).status,
    'NEUTRAL',
    'momentum against',
  );
  assert.is(assessPosition({ unrealizedR: 0.2, momentum: 0, heldMs: 6 * HOUR }, P).status, 'LAGGING');
  assert.is(assessPosition({ unrealizedR: 0.2, momentum: 0, heldMs: 5 * HOUR }, P).status, 'NEUTRAL');
  assert.match(
    assessPosition({ unrealizedR: 0.1, momentum: 0, heldMs: 7 * HOUR }, P).why,
    /0\.10R < 0\.25R after 7\.0 h/,
  );
});

const holding = (...positions: Position[]): PortfolioSnapshot => ({ ...snapshot(), positions });

const position = (overrides: Partial<Position> = {}): Position => ({
  symbol: 'BTCUSDT',
  side: 'LONG',
  qty: 1,
  entryPrice: 100,
  leverage: 2,
  marginUsdt: 50,
  liquidationPrice: 50,
  markPrice: 100,
  unrealizedPnlUsdt: 0,
  openedTs: 0,
  intentId: 'intent-1',
  ...overrides,
});

test('the handler: R against the position’s own 1R, momentum over the last candles, one event per change', () => {
  const pil = createPositionIntelligence(positionIntelligenceParams.parse({ momentumCandles: 2 }));
  const out: PositionAssessed[] = [];
  const emit = (e: PositionAssessed): void => void out.push(e);
  // Its sizing decision took 2 USDT of risk per unit (stop at 98).
  pil.next(sizing({ intentId: 'intent-1', riskPerUnit: 2 }), emit);
  const snap: PortfolioSnapshot = { ...snapshot(), positions: [position()] };
  pil.next(snap, emit);
  const candle = (hour: number, close: number) => kline({ symbol: 'BTCUSDT', ts: hour * HOUR, close });
  pil.next(candle(1, 100.5), emit); // +0.25R: NEUTRAL
  pil.next(candle(2, 101), emit); // +0.5R: still NEUTRAL, no event
  pil.next(candle(3, 102.2), emit); // +1.1R, rising: LEADING
  pil.next(candle(4, 102.1), emit); // +1.05R, momentum over 2 candles +1.1 %: still LEADING
  pil.next(candle(5, 98.4), emit); // −0.8R: AT_RISK
  assert.equal(
    out.map((e) => [e.ts / HOUR, e.status, e.previous, e.recommendation, Number(e.unrealizedR.toFixed(2))]),
    [
      [1, 'NEUTRAL', undefined, 'HOLD', 0.25],
      [3, 'LEADING', 'NEUTRAL', 'HOLD_OR_SCALE_IN', 1.1],
      [5, 'AT_RISK', 'LEADING', 'REDUCE', -0.8],
    ],
  );
  assert.match(out[2].reason, /^LONG BTCUSDT LEADING → AT_RISK: -0\.80R ≤ -0\.7R$/);
  // A short measures R and momentum in its own direction; an adopted one (no sizing) uses 1.5 % as 1R.
  const shortPil = createPositionIntelligence(P);
  const got: PositionAssessed[] = [];
  shortPil.next(holding(position({ side: 'SHORT', intentId: 'adopted:BTCUSDT:0' })), (e) => got.push(e));
  shortPil.next(candle(1, 98.5), (e) => got.push(e));
  assert.is(got[0].status, 'LEADING');
  assert.is(Number(got[0].unrealizedR.toFixed(6)), 1);
});

test('a position that closed is forgotten: the next one on the symbol starts afresh', () => {
  const pil = createPositionIntelligence(P);
  const out: PositionAssessed[] = [];
  const emit = (e: PositionAssessed): void => void out.push(e);
  pil.next(holding(position()), emit);
  pil.next(kline({ symbol: 'BTCUSDT', ts: HOUR, close: 100 }), emit);
  pil.next(holding(), emit);
  pil.next(kline({ symbol: 'BTCUSDT', ts: 2 * HOUR, close: 100 }), emit);
  pil.next(holding(position({ intentId: 'intent-2' })), emit);
  pil.next(kline({ symbol: 'BTCUSDT', ts: 3 * HOUR, close: 100 }), emit);
  assert.equal(
    out.map((e) => [e.intentId, e.status, e.previous]),
    [
      ['intent-1', 'NEUTRAL', undefined],
      ['intent-2', 'NEUTRAL', undefined],
    ],
  );
});

test('marble: an assessment in the frame of the candle that changes a status, none for a flat symbol', () => {
  new TestScheduler(assertEqual).run(({ cold, expectObservable }) => {
    const candle = (hour: number, close: number, symbol = 'BTCUSDT') =>
      kline({ symbol, ts: hour * HOUR, close });
    const source = cold('d-s-a-b-c-e|', {
      d: sizing({ intentId: 'intent-1', riskPerUnit: 2 }),
      s: holding(position()),
      a: candle(1, 100.5), // +0.25R: NEUTRAL
      b: candle(2, 101), // +0.5R: unchanged
      c: candle(3, 102.2), // +1.1R rising: LEADING
      e: candle(4, 130, 'ETHUSDT'), // no ETHUSDT position
    });
    const handler = () =>
      createPositionIntelligence(positionIntelligenceParams.parse({ momentumCandles: 2 })) as Handler<
        { kind: string },
        PositionAssessed
      >;
    expectObservable(
      source.pipe(
        operate(handler),
        map((e) => `${e.status} ${e.unrealizedR.toFixed(2)}`),
      ),
    ).toBe('----N---L--|', { N: 'NEUTRAL 0.25', L: 'LEADING 1.10' });
  });
});

test.run();
