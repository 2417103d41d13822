import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, type FeatureVector, type Kline } from '../../src/domain/index.js';
import { featureVectors } from '../../src/operators/feature-vector.js';
import { writeFeatureRows } from '../../src/pipeline/feature-export.js';
import { kline } from '../builders.js';
import { readCandleColumns } from '../features/indicators/real-candles.js';

const dir = mkdtempSync(join(tmpdir(), 'feature-export-'));
const path = (name: string) => join(dir, name);
const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

/** Candle i closes at (i+1) minutes. */
const series = (
  closes: number[],
  symbol = 'BTCUSDT',
  volumes = closes.map((_, i) => 100 * (i + 1)),
): Kline[] => closes.map((close, i) => kline({ symbol, ts: (i + 1) * 60_000, close, volume: volumes[i] }));

const vectorsOf = (klines: Kline[], features: string[]): FeatureVector[] => {
  const out: FeatureVector[] = [];
  from(klines)
    .pipe(featureVectors({ features }))
    .subscribe((v) => out.push(v));
  return out;
};

test('CSV: header, one row per candle, empty cells during warm-up', async () => {
  const file = path('basic.csv');
  const result = await writeFeatureRows(series([10, 12, 9]), { features: ['sma_2', 'obv'], out: file });
  assert.equal(result, { rows: 3, path: file });
  // obv: 100, +200 (up), −300 (down); sma_2: –, 11, 10.5
  assert.equal(lines(file), [
    'ts,symbol,sma_2,obv',
    '60000,BTCUSDT,,100',
    '120000,BTCUSDT,11,300',
    '180000,BTCUSDT,10.5,0',
  ]);
});

test('libsvm: 0-based indexes in name order, absent features omitted, label 0 without a label', async () => {
  const file = path('basic.libsvm');
  const result = await writeFeatureRows(series([10, 12, 9]), { features: ['sma_2', 'obv'], out: file });
  assert.is(result.rows, 3);
  assert.equal(lines(file), ['0 1:100', '0 0:11 1:300', '0 0:10.5 1:0']);
});

test('forward-return labels on a hand-made series (CSV keeps unlabeled rows with an empty label)', async () => {
  const closes = [10, 11, 10.5, 12, 12];
  const labelsOf = async (horizon: number, thresholdPct?: number) => {
    const file = path(`label-${horizon}-${thresholdPct}.csv`);
    await writeFeatureRows(series(closes), {
      features: ['obv'],
      out: file,
      label: { horizon, thresholdPct },
    });
    const rows = lines(file);
    assert.is(rows[0], 'ts,symbol,obv,label');
    return rows.slice(1).map((row) => row.split(',').at(-1));
  };
  // h=1: 11/10−1 = .10 > 0 → 1; 10.5/11 < 1 → 0; 12/10.5 → 1; 12/12−1 = 0 is not > 0 → 0; last: none.
  assert.equal(await labelsOf(1), ['1', '0', '1', '0', '']);
  // threshold 12 %: only 12/10.5 − 1 = 14.3 % passes.
  assert.equal(await labelsOf(1, 12), ['0', '0', '1', '0', '']);
  // h=2: 10.5/10 → 1; 12/11 → 1; 12/10.5 → 1; the last two have no close two candles ahead.
  assert.equal(await labelsOf(2), ['1', '1', '1', '', '']);
});

test('libsvm with a label leaves out rows without a future close', async () => {
  const file = path('label.libsvm');
  const result = await writeFeatureRows(series([10, 11, 10.5, 12, 12]), {
    features: ['obv'],
    out: file,
    label: { horizon: 2 },
  });
  assert.is(result.rows, 3);
  // obv: 100, 300, 0, 400, 400
  assert.equal(lines(file), ['1 0:100', '1 0:300', '1 0:0']);
});

test('labels follow each symbol separately; rows keep input order', async () => {
  const btc = series([10, 11, 9], 'BTCUSDT');
  const eth = series([50, 40, 45], 'ETHUSDT');
  const file = path('mixed.csv');
  await writeFeatureRows([btc[0], eth[0], btc[1], eth[1], btc[2], eth[2]], {
    features: ['obv'],
    out: file,
    label: { horizon: 1 },
  });
  assert.equal(lines(file).slice(1), [
    '60000,BTCUSDT,100,1',
    '60000,ETHUSDT,100,0',
    '120000,BTCUSDT,300,0',
    '120000,ETHUSDT,-100,1',
    '180000,BTCUSDT,0,',
    '180000,ETHUSDT,200,',
  ]);
});

test('from/to writes only the window, with features warmed up on the earlier candles', async () => {
  const closes = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 3) * 5 + i * 0.1);
  const klines = series(closes);
  const features = ['ema_12', 'rsi_14', 'bb_upper_20_2'];
  const file = path('window.csv');
  const progress: [number, number][] = [];
  const result = await writeFeatureRows(klines, {
    features,
    out: file,
    from: klines[30].ts,
    // Exclusive, as in backtest: candles 30…34.
    to: klines[35].ts,
    onProgress: (done, total) => progress.push([done, total]),
  });
  assert.is(result.rows, 5);
  const rows = lines(file).slice(1);
  const expected = vectorsOf(klines, features).slice(30, 35);
  rows.forEach((row, i) => {
    const cells = row.split(',');
    assert.is(Number(cells[0]), expected[i].ts);
    // Full precision: the text round-trips to the very same double.
    assert.equal(cells.slice(2).map(Number), [...expected[i].values]);
  });
  // Stopped early after `to`: progress ends before the last candle.
  assert.equal(progress.at(-1), [36, 60]);
});

test('bad options are ConfigErrors and leave no file', async () => {
  const reject = async (options: Parameters<typeof writeFeatureRows>[1], message: string) => {
    try {
      await writeFeatureRows(series([10, 11]), options);
      assert.unreachable('expected a ConfigError');
    } catch (error) {
      assert.instance(error, ConfigError);
      assert.ok((error as Error).message.includes(message), (error as Error).message);
    }
  };
  await reject({ features: ['obv'], out: path('x.parquet') }, 'out: cannot tell the format of');
  await reject(
    { features: ['rsx_14'], out: path('bad-feature.csv') },
    'features[0]: unknown feature "rsx_14"',
  );
  assert.not.ok(existsSync(path('bad-feature.csv')));
  await reject({ features: ['obv'], out: path('h.csv'), label: { horizon: 0 } }, 'label.horizon');
  await reject({ features: ['obv'], out: path('k.csv'), extra: true } as never, 'Unrecognized key');
});

test('format option overrides the extension', async () => {
  const file = path('rows.txt');
  await writeFeatureRows(series([10, 12]), { features: ['obv'], out: file, format: 'libsvm' });
  assert.equal(lines(file), ['0 0:100', '0 0:300']);
});

const real = readCandleColumns();
if (real !== undefined) {
  test('real candles: every CSV cell round-trips to the operator value (default features)', async () => {
    const klines: Kline[] = real.close.slice(0, 3000).map((close, i) =>
      kline({
        symbol: 'AVAXUSDT',
        ts: real.ts[i],
        open: real.open[i],
        high: real.high[i],
        low: real.low[i],
        close,
        volume: real.volume[i],
      }),
    );
    const file = path('avax.csv');
    const result = await writeFeatureRows(klines, { out: file, label: { horizon: 5 } });
    assert.is(result.rows, 3000);
    const rows = lines(file);
    const header = rows[0].split(',');
    const vectors = vectorsOf(klines, header.slice(2, -1));
    for (let i = 0; i < vectors.length; i++) {
      const cells = rows[i + 1].split(',');
      const values = cells.slice(2, -1).map((cell) => (cell === '' ? Number.NaN : Number(cell)));
      for (let f = 0; f < values.length; f++) {
        if (!Object.is(values[f], vectors[i].values[f])) assert.unreachable(`row ${i} ${header[f + 2]}`);
      }
    }
    assert.is(rows.at(-1)?.endsWith(','), true, 'last row has no label');
  });
}

test.run();
