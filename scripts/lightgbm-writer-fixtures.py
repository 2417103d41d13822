#!/usr/bin/env python3
"""Makes the fixtures under test/fixtures/gbdt-lightgbm/: models OUR trainer wrote in LightGBM's
text format, and what real LightGBM (checked with 4.7.0) predicts from them.

Step 1 runs test/models/lightgbm-writer.test.ts with WRITE_LIGHTGBM_FIXTURES=1: it trains three
small seeded models (multiclass softprob with 3 classes, binary, regression with single-leaf trees)
with src/models/gbdt, writes each as `<name>.txt` (src/models/gbdt/lightgbm-writer.ts) and its test
inputs as `<name>.csv` (header f0..f3; fresh rows with NaN cells, an all-NaN row, and rows on
both sides of split thresholds: the float32 cut, the float32 below it, LightGBM's threshold and the
double above it). Step 2 loads each model with `lightgbm.Booster(model_file=...)` and appends
`predict(raw_score=True)` and `predict()` to the CSV, as scripts/lightgbm-fixtures.py does:

    f0,...,f3,raw0,...,raw<k-1>,pred0,...,pred<k-1>

every number written with Python's repr (shortest text that reads back as the same double), `nan`
for missing. CI has no LightGBM: the outputs are committed, and the test holds our predictions to
LightGBM's within 1e-6 and checks that the writer still writes the committed models byte for byte.

    python3 -m venv /tmp/lgbm && /tmp/lgbm/bin/pip install lightgbm numpy
    /tmp/lgbm/bin/python scripts/lightgbm-writer-fixtures.py
"""

import os
import subprocess

import lightgbm as lgb
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'gbdt-lightgbm')
CASES = ['multiclass', 'binary', 'regression']


def write_models():
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, WRITE_LIGHTGBM_FIXTURES='1')
    subprocess.run(['npx', 'tsx', 'test/models/lightgbm-writer.test.ts'], cwd=ROOT, env=env, check=True)


def add_predictions(name):
    model = os.path.join(OUT, name + '.txt')
    table = os.path.join(OUT, name + '.csv')
    with open(table) as source:
        header = source.readline().strip().split(',')
        rows = [[float(cell) for cell in line.strip().split(',')] for line in source if line.strip()]
    x = np.array(rows, dtype=np.float64)
    booster = lgb.Booster(model_file=model)
    raw = np.asarray(booster.predict(x, raw_score=True)).reshape(len(x), -1)
    pred = np.asarray(booster.predict(x)).reshape(len(x), -1)
    k = raw.shape[1]
    columns = header + [f'raw{i}' for i in range(k)] + [f'pred{i}' for i in range(k)]
    with open(table, 'w') as out:
        out.write(','.join(columns) + '\n')
        for r in range(len(x)):
            cells = [repr(float(v)) for v in x[r]] + [repr(float(v)) for v in raw[r]] + \
                [repr(float(v)) for v in pred[r]]
            out.write(','.join(cells) + '\n')
    print(f'{name}: LightGBM {lgb.__version__} loaded {booster.num_trees()} trees, '
          f'predicted {len(x)} rows x {k}')


if __name__ == '__main__':
    write_models()
    for case in CASES:
        add_predictions(case)
