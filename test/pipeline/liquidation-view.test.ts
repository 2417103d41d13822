import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { tradingGraph } from '../../src/pipeline/graph.js';
import { mergeConfig, SCENARIO_BASE_CONFIG } from '../../src/pipeline/marble-backtest.js';
import { mergeByEventTime } from '../../src/streams/merge-by-event-time.js';
import { syntheticMarket } from '../../src/streams/synthetic-market.js';

test("snapshot liquidation prices equal the venue's, with per-symbol maintenance margin rates", () => {
  const config = parsePipelineConfig(
    mergeConfig(SCENARIO_BASE_CONFIG, {
      sizing: { leverage: 5 },
      symbols: { BTCUSDT: { maintenanceMarginRate: 0.02 }, ETHUSDT: { maintenanceMarginRate: 0.05 } },
    }),
  );
  const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(1));
  let compared = 0;
  mergeByEventTime(syntheticMarket({ seed: 3, count: 400 }))
    .pipe(tradingGraph(config, { exchange, models: buildModels(config) }))
    .subscribe((event) => {
      if (event.kind !== 'portfolio-snapshot' || event.positions.length === 0) return;
      const venue = new Map(exchange.fetchPositions().map((position) => [position.symbol, position]));
      for (const position of event.positions) {
        const venuePosition = venue.get(position.symbol);
        if (venuePosition === undefined) continue;
        assert.ok(
          Math.abs(position.liquidationPrice - venuePosition.liquidationPrice) <= 1e-9 * position.entryPrice,
          `${position.symbol}: ${position.liquidationPrice} vs venue ${venuePosition.liquidationPrice}`,
        );
        compared++;
      }
    });
  assert.ok(compared > 10, `compared ${compared} positions`);
});

test.run();
