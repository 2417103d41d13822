// The services' wire format and routing, without Redis: messages survive the round trip exactly,
// refusals name the reason, a symbol always goes to the same partition, and only stages whose input
// order the market alone decides are sent deliveries ahead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { BusEnvelope } from '../../src/kernel/envelope.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { loadPipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { tradingStages } from '../../src/pipeline/graph.js';
import { partitionOf } from '../../src/services/remote-stage.js';
import { feedersOf } from '../../src/services/send-ahead.js';
import {
  deliveryFields,
  fieldsOf,
  MAX_MESSAGE_BYTES,
  parseDelivery,
  parseReply,
  replyFields,
} from '../../src/services/wire.js';
import { kline } from '../builders.js';

const asRecord = (flat: readonly string[]): Record<string, string> => fieldsOf([...flat]);

test('a delivery survives the wire exactly: id, clock time and envelope', () => {
  const candle = kline({ close: 101.5, symbol: 'ETHUSDT' });
  const envelope = new BusEnvelope(TOPICS.klines, candle, candle.ts, candle.ts, 'source', undefined, 0);
  const parsed = parseDelivery(asRecord(deliveryFields({ deliveryId: 'd1', nowMs: 42, envelope })));
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.is(parsed.value.deliveryId, 'd1');
  assert.is(parsed.value.nowMs, 42);
  assert.equal(parsed.value.envelope, envelope.toJSON());
});

test('a reply survives the wire exactly, with its emissions in order and a failure message', () => {
  const emissions = [
    { topic: TOPICS.control, event: { kind: 'end-of-data' as const, ts: 5 } },
    { topic: TOPICS.control, event: { kind: 'end-of-data' as const, ts: 6, symbol: 'BTCUSDT' } },
  ];
  const parsed = parseReply(asRecord(replyFields('d9', { emissions })));
  assert.ok(parsed.ok);
  if (parsed.ok) assert.equal(parsed.value, { deliveryId: 'd9', reply: { emissions } });
  const failed = parseReply(asRecord(replyFields('d9', { emissions: [], error: 'boom' })));
  assert.ok(failed.ok && failed.value.reply.error === 'boom');
});

test('refusals name the reason: version, size, JSON, kind, field', () => {
  const reasonOf = (fields: string[]): string => {
    const parsed = parseDelivery(asRecord(fields));
    return parsed.ok ? 'accepted' : parsed.reason;
  };
  assert.match(reasonOf(['d', 'x', 't', '0', 'e', '{}']), /no wire version/);
  assert.match(reasonOf(['v', '2', 'd', 'x', 't', '0', 'e', '{}']), /wire version 2 is not 1/);
  assert.match(reasonOf(['v', '1', 'd', 'x', 't', '0', 'e', 'y'.repeat(MAX_MESSAGE_BYTES + 1)]), /exceeds/);
  assert.match(reasonOf(['v', '1', 'd', 'x', 't', '0', 'e', '{']), /not JSON/);
  const envelope = (event: unknown) =>
    JSON.stringify({ id: 'i', topic: 'market.klines', tsEvent: 0, tsInit: 0, origin: 's', event });
  assert.match(
    reasonOf(['v', '1', 'd', 'x', 't', '0', 'e', envelope({ kind: 'nope' })]),
    /unknown event kind "nope"/,
  );
  const { close: _close, ...noClose } = kline();
  assert.match(reasonOf(['v', '1', 'd', 'x', 't', '0', 'e', envelope(noClose)]), /close/);
  assert.match(reasonOf(['v', '1', 't', '0', 'e', envelope(kline())]), /no id/);
});

test('a symbol always goes to the same partition, and symbols spread over the partitions', () => {
  const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT', 'LTCUSDT', 'NEARUSDT'];
  const partitions = symbols.map((symbol) => partitionOf(kline({ symbol }), 2));
  assert.equal(
    partitions,
    symbols.map((symbol) => partitionOf(kline({ symbol, close: 7 }), 2)),
  );
  assert.equal(new Set(partitions), new Set([0, 1]));
  assert.is(partitionOf(kline(), 1), 0);
});

test('only the ai-engine (market data alone) and the strategy (the ai-engine alone) are sent ahead', () => {
  const config = loadPipelineConfig();
  const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(1));
  const stages = tradingStages(config, { exchange, models: [] });
  assert.equal(
    [...feedersOf(stages)],
    [
      ['ai-engine', 'source'],
      ['strategy', 'ai-engine'],
    ],
  );
  // A stage without declared publications makes the graph unknown: nothing is sent ahead.
  const undeclared = stages.map((stage) =>
    stage.name === 'venue' ? { ...stage, publishes: undefined } : stage,
  );
  assert.equal([...feedersOf(undeclared)], []);
});

test.run();
