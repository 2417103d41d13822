import type { DeadLetter, EngineEvent } from '../domain/index.js';

/** Counts of what a run did, by kind, for the report and the terminal. */
export interface RunStats {
  record(event: EngineEvent | DeadLetter): void;
  summary(): Record<string, unknown>;
}

/**
 * Tallies engine events: actionable signals, intents, orders by type, fills, rejections by code,
 * funding, liquidations, kill-switch trips, regime changes by the regime entered, universe changes (symbols added and
 * removed), and every model's votes inside actionable signals
 * (`{ ema-rsi: { BUY: 10, SELL: 7, HOLD: 3, abstain: 0 } }`).
 */
export const createRunStats = (): RunStats => {
  const counts = new Map<string, number>();
  const votes = new Map<string, { BUY: number; SELL: number; HOLD: number; abstain: number }>();
  const add = (key: string, n = 1): void => {
    counts.set(key, (counts.get(key) ?? 0) + n);
  };
  return {
    record(event) {
      switch (event.kind) {
        case 'signal':
          add(`signals.${event.action}`);
          for (const vote of event.votes) {
            let tally = votes.get(vote.model);
            if (!tally) {
              tally = { BUY: 0, SELL: 0, HOLD: 0, abstain: 0 };
              votes.set(vote.model, tally);
            }
            if (vote.action === null) tally.abstain++;
            else tally[vote.action]++;
          }
          return;
        case 'trade-intent':
          add('intents');
          return;
        case 'regime-changed':
          add(`regimes.${event.regime}`);
          return;
        case 'universe-changed':
          add('universe.changes');
          add('universe.added', event.added.length);
          add('universe.removed', event.removed.length);
          return;
        case 'position-assessed':
          add(`positions.${event.status}`);
          return;
        case 'order-request':
          add(`orders.${event.type}`);
          return;
        case 'cancel-order':
          add('cancels');
          return;
        case 'fill':
          add('fills');
          return;
        case 'execution-result':
          if (event.status === 'REJECTED') add(`rejected.${event.errorCode ?? 'unknown'}`);
          return;
        case 'funding-paid':
          add('fundingPayments');
          return;
        case 'position-liquidated':
          add('liquidations');
          return;
        case 'kill-switch-tripped':
          add('killSwitchTrips');
          return;
        case 'dead-letter':
          add('deadLetters');
          return;
        default:
          return;
      }
    },
    summary() {
      const sortedCounts = Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
      const modelVotes = Object.fromEntries([...votes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
      return { counts: sortedCounts, modelVotes };
    },
  };
};
