import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAblation, runAblation } from '../../src/pipeline/ablation.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { loadPipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { assertError } from '../requirements.js';

// `quantum backtest --ablate`: each variant is the same run with modules switched off — its row
// equals a plain backtest of that config — and the comparison lands beside the report.

const workDir = mkdtempSync(join(tmpdir(), 'quantum-ablation-'));
test.after(() => rmSync(workDir, { recursive: true, force: true }));

const CONFIG = join('examples', 'all-modules.yaml');
const config = (): ReturnType<typeof parsePipelineConfig> => {
  const loaded = loadPipelineConfig(CONFIG);
  return parsePipelineConfig({ ...loaded, output: { ...loaded.output, progress: false } });
};

test('--ablate names only modules that exist, and says which are not built yet', () => {
  assert.equal(parseAblation('regime, pba,regime'), ['regime', 'pba']);
  assert.equal(parseAblation('universe,regime'), ['universe', 'regime']);
  assert.equal(parseAblation('regime,aelm'), ['regime', 'aelm']);
  assertError(() => parseAblation('regime,hfos'), {
    code: 'QT_USAGE',
    message: /unknown module "hfos"; modules: regime, pil, pba, pal, universe, aelm$/,
  });
  assertError(() => parseAblation(' , '), { code: 'QT_USAGE', message: /name at least one module/ });
});

test('all, without each module, none: every row is the plain backtest of that config; ablation.json and .csv beside the report', async () => {
  const outDir = join(workDir, 'report');
  const base = config();
  const { all, rows } = await runAblation({ config: base, configPath: CONFIG, outDir }, ['regime', 'pba']);
  assert.equal(
    rows.map((r) => [r.variant, r.modules]),
    [
      ['all', ['regime', 'pba']],
      ['without regime', ['pba']],
      ['without pba', ['regime']],
      ['none', []],
    ],
  );
  const plain = async (regime: boolean, balancer: boolean) =>
    (
      await runBacktest({
        config: {
          ...base,
          regime: { ...base.regime, enabled: regime },
          strategy: regime ? base.strategy : { ...base.strategy, regimeSides: {} },
          sizing: regime ? base.sizing : { ...base.sizing, regimeScale: {} },
          balancer: { ...base.balancer, enabled: balancer },
        },
        configPath: CONFIG,
        outDir: null,
      })
    ).report.metrics;
  const expected = [
    await plain(true, true),
    await plain(false, true),
    await plain(true, false),
    await plain(false, false),
  ];
  assert.equal(
    rows.map((r) => [r.totalReturnPct, r.maxDrawdownPct, r.feesUsdt]),
    expected.map((m) => [m.totalReturnPct, m.maxDrawdownPct, m.feesUsdt]),
  );
  assert.is(all.report.metrics.totalReturnPct, rows[0].totalReturnPct);
  // The modules change the run: the four variants do not all trade alike.
  assert.ok(new Set(rows.map((r) => r.totalReturnPct.toFixed(6))).size > 1);
  const written = JSON.parse(readFileSync(join(outDir, 'ablation.json'), 'utf8')) as { rows: unknown[] };
  assert.is(written.rows.length, 4);
  const csv = readFileSync(join(outDir, 'ablation.csv'), 'utf8').trim().split('\n');
  assert.is(
    csv[0],
    'variant,modules,total_return_pct,sharpe,max_drawdown_pct,trades,fees_usdt,net_profit_usdt',
  );
  assert.match(csv[1], /^all,regime\+pba,/);
  assert.match(csv[4], /^none,,/);
});

test.run();
