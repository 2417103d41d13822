// Binance's error codes, as ccxt raises them, become the engine's stable codes (venueErrorOf):
// what a retry policy, a dead letter and the README's table read.
import ccxt from 'ccxt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { venueErrorOf } from '../../src/exchange/venue-errors.js';

/** What ccxt raises for a Binance error body. */
const binance = (code: number, msg: string, as: new (message: string) => Error = ccxt.ExchangeError): Error =>
  new as(`binanceusdm {"code":${code},"msg":"${msg}"}`);

test('each Binance refusal gets its own stable code, with Binance’s code and text in the message', () => {
  const cases: [Error, string][] = [
    [binance(-2019, 'Margin is insufficient.', ccxt.InsufficientFunds), 'QT_EXCHANGE_INSUFFICIENT_MARGIN'],
    [binance(-2022, 'ReduceOnly Order is rejected.', ccxt.InvalidOrder), 'QT_EXCHANGE_REDUCE_ONLY_REJECTED'],
    [
      binance(-2027, 'Exceeded the maximum allowable position at current leverage.', ccxt.InvalidOrder),
      'QT_EXCHANGE_POSITION_LIMIT',
    ],
    [binance(-1021, 'Timestamp for this request is outside of the recvWindow.'), 'QT_EXCHANGE_TIMESTAMP'],
    [binance(-2015, 'Invalid API-key, IP, or permissions for action.'), 'QT_EXCHANGE_AUTH'],
    [
      binance(-1111, 'Precision is over the maximum defined for this asset.', ccxt.InvalidOrder),
      'QT_EXCHANGE_INVALID_ORDER',
    ],
  ];
  for (const [raised, code] of cases) {
    const error = venueErrorOf(raised, 'order en-1');
    const binanceCode = /"code":(-?\d+)/.exec(raised.message)?.[1];
    assert.is(error.code, code, raised.message);
    assert.match(error.message, new RegExp(`^order en-1: Binance ${binanceCode} `));
  }
  assert.match(
    venueErrorOf(cases[2][0], 'order en-1').message,
    /Exceeded the maximum allowable position at current leverage\./,
  );
});

test.run();
