// Shared by the dead-letter tests (kernel-dead-letters*.test.ts): a collecting stage and the candle
// they fail on.
import type { BusEvent } from '../../src/domain/index.js';
import type { Topic } from '../../src/kernel/topics.js';
import { kline } from '../builders.js';
import { stage } from './stage-helpers.js';

/** A stage that keeps every event it is given (a DLQ sink, a downstream consumer). */
export const collector = (name: string, rank: number, consumes: readonly Topic[]) => {
  const events: BusEvent[] = [];
  return { events, stage: stage(name, rank, consumes, (event) => void events.push(event)) };
};

/** The kline every dead-letter test fails on or injects. */
export const candle = kline({ symbol: 'BTCUSDT', ts: 60_000, close: 101 });
