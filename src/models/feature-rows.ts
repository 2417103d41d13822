import { readFileSync } from 'node:fs';
import { DataError, ModelError } from '../domain/errors.js';
import { parseXgboostFloat } from './xgboost-text-float.js';

/** Rows of model inputs read from a file, each in the model's feature order (NaN = missing). */
export interface FeatureRows {
  readonly rows: readonly Float64Array[];
  /** `file:line` of each row, for messages. */
  readonly lines: readonly number[];
}

/**
 * Reads rows to predict on, in the model's feature order.
 * - libsvm (`.libsvm`, `.svm`, `.txt`): `label idx:value …`, 0-based indexes, absent = missing.
 *   Values are parsed like the XGBoost CLI parses them (`parseXgboostFloat`), so predictions on
 *   the file equal `xgboost task=pred` on the same file bit for bit.
 * - CSV (`.csv`): our feature export, header `ts,symbol,<features…>[,label]`; columns are matched
 *   to the model's features by NAME (order and extra columns do not matter); an empty cell is
 *   missing. Values are doubles, rounded to float32 at the split like in-memory data.
 * @param path the data file
 * @param features the model's feature names (CSV) — its length is the row width
 * @throws ModelError when the CSV lacks a feature the model needs; DataError (file:line) on a
 *   malformed row
 */
export const readFeatureRows = (path: string, features: readonly string[]): FeatureRows => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataError(`${path}: cannot read the data file: ${(error as Error).message}`, path);
  }
  return /\.csv$/i.test(path)
    ? parseCsvRows(text, path, features)
    : parseLibsvmRows(text, path, features.length);
};

/**
 * Walks libsvm text (`label idx:value …`, 0-based indexes, `qid:` skipped, blank and `#` lines
 * ignored), parsing values like the XGBoost CLI (`parseXgboostFloat`); hands each data line's
 * label cell, indexes and values to `onRow`, with its 1-based line number.
 * @throws DataError (file:line) on a cell that is not an index:value pair
 */
export const forEachLibsvmRow = (
  text: string,
  where: string,
  onRow: (label: string, indexes: readonly number[], values: readonly number[], line: number) => void,
): void => {
  const textLines = text.split('\n');
  const indexes: number[] = [];
  const values: number[] = [];
  for (let l = 0; l < textLines.length; l++) {
    const line = textLines[l].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/\s+/);
    indexes.length = 0;
    values.length = 0;
    for (let c = 1; c < cells.length; c++) {
      const colon = cells[c].indexOf(':');
      const key = cells[c].slice(0, colon);
      if (key === 'qid') continue;
      const index = Number(key);
      const value = parseXgboostFloat(cells[c].slice(colon + 1));
      if (colon < 1 || !Number.isInteger(index) || index < 0 || Number.isNaN(value)) {
        throw new DataError(
          `${where}:${l + 1}: "${cells[c]}" is not an index:value pair (expected e.g. 3:0.25)`,
          `${where}:${l + 1}`,
        );
      }
      indexes.push(index);
      values.push(value);
    }
    onRow(cells[0], indexes, values, l + 1);
  }
};

/** libsvm text → rows of `width` values (see `readFeatureRows`). */
export const parseLibsvmRows = (text: string, where: string, width: number): FeatureRows => {
  const rows: Float64Array[] = [];
  const lines: number[] = [];
  forEachLibsvmRow(text, where, (_label, indexes, values, line) => {
    const row = new Float64Array(width).fill(Number.NaN);
    // Indexes past the model's features cannot be used by any split; XGBoost ignores them too.
    for (let i = 0; i < indexes.length; i++) if (indexes[i] < width) row[indexes[i]] = values[i];
    rows.push(row);
    lines.push(line);
  });
  return { rows, lines };
};

/** Feature-export CSV text → rows in `features` order (see `readFeatureRows`). */
export const parseCsvRows = (text: string, where: string, features: readonly string[]): FeatureRows => {
  const textLines = text.split('\n');
  const header = (textLines[0] ?? '').trim().split(',');
  const columns = features.map((name) => {
    const column = header.indexOf(name);
    if (column < 0) {
      throw new ModelError(
        `${where}:1: the model expects feature ${name} but the CSV header has no such column ` +
          `(header: ${header.join(',')}); export the features the model was trained on`,
        `${where}:1`,
      );
    }
    return column;
  });
  const rows: Float64Array[] = [];
  const lines: number[] = [];
  for (let l = 1; l < textLines.length; l++) {
    const line = textLines[l].trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new DataError(
        `${where}:${l + 1}: ${cells.length} cells for ${header.length} header columns`,
        `${where}:${l + 1}`,
      );
    }
    const row = new Float64Array(features.length);
    for (let f = 0; f < columns.length; f++) {
      const cell = cells[columns[f]];
      const value = cell === '' ? Number.NaN : Number(cell);
      if (cell !== '' && Number.isNaN(value)) {
        throw new DataError(
          `${where}:${l + 1}: ${features[f]} is "${cell}", expected a number`,
          `${where}:${l + 1}`,
        );
      }
      row[f] = value;
    }
    rows.push(row);
    lines.push(l + 1);
  }
  return { rows, lines };
};
