import { readFileSync } from 'node:fs';
import { DataError } from '../../domain/errors.js';
import { forEachLibsvmRow } from '../feature-rows.js';
import { parseXgboostFloat } from '../xgboost-text-float.js';

/**
 * A training (or validation) set: a dense row-major float32 matrix, NaN = missing, one label per
 * row. float32 because that is what XGBoost trains and predicts on, so split thresholds taken
 * from these values compare exactly like XGBoost's.
 */
export interface TrainingData {
  readonly rowCount: number;
  readonly featureCount: number;
  /** rowCount × featureCount, row-major; NaN = missing. */
  readonly values: Float32Array;
  readonly labels: Float32Array;
  /** CSV header names; `f0…` for libsvm. */
  readonly featureNames: readonly string[];
  /** The file and the line of each row, for messages (absent for in-memory data). */
  readonly source?: { readonly path: string; readonly lines: Int32Array };
}

/** Where row r came from: `file:line`, or `row r+1` for in-memory data. */
export const rowPlace = (data: TrainingData, r: number): string =>
  data.source === undefined ? `row ${r + 1}` : `${data.source.path}:${data.source.lines[r]}`;

/** Builds a data set from plain rows (tests, benches). */
export const trainingDataOf = (
  rows: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  featureNames?: readonly string[],
): TrainingData => {
  const featureCount = featureNames?.length ?? rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * featureCount).fill(Number.NaN);
  rows.forEach((row, r) => {
    for (let f = 0; f < Math.min(featureCount, row.length); f++) values[r * featureCount + f] = row[f];
  });
  return {
    rowCount: rows.length,
    featureCount,
    values,
    labels: Float32Array.from(labels),
    featureNames: featureNames ?? Array.from({ length: featureCount }, (_, f) => `f${f}`),
  };
};

const bad = (where: string, line: number, what: string): never => {
  throw new DataError(`${where}:${line}: ${what}`, `${where}:${line}`);
};

/**
 * libsvm text (`label idx:value …`, 0-based indexes, absent = missing) → data. Numbers are parsed
 * like the XGBoost CLI parses them (`parseXgboostFloat`), so both train on the same float32s.
 * @param width feature count to use (at least the largest index + 1); default from the data
 */
export const parseLibsvmTraining = (text: string, where: string, width?: number): TrainingData => {
  const rows: Array<Array<[number, number]>> = [];
  const labels: number[] = [];
  const lineNumbers: number[] = [];
  let maxIndex = -1;
  forEachLibsvmRow(text, where, (labelCell, indexes, values, line) => {
    const label = parseXgboostFloat(labelCell);
    if (!Number.isFinite(label)) bad(where, line, `label "${labelCell}" is not a finite number`);
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < indexes.length; i++) {
      pairs.push([indexes[i], values[i]]);
      if (indexes[i] > maxIndex) maxIndex = indexes[i];
    }
    rows.push(pairs);
    labels.push(label);
    lineNumbers.push(line);
  });
  if (rows.length === 0) bad(where, 1, 'no rows');
  const featureCount = Math.max(width ?? 0, maxIndex + 1);
  const values = new Float32Array(rows.length * featureCount).fill(Number.NaN);
  rows.forEach((pairs, r) => {
    for (const [index, value] of pairs) values[r * featureCount + index] = value;
  });
  return {
    rowCount: rows.length,
    featureCount,
    values,
    labels: Float32Array.from(labels),
    featureNames: Array.from({ length: featureCount }, (_, f) => `f${f}`),
    source: { path: where, lines: Int32Array.from(lineNumbers) },
  };
};

/**
 * Feature-export CSV (`quantum features --label-horizon n --out f.csv`: header
 * `ts,symbol,<features…>,label`) → data. Every column but `ts`, `symbol` and `label` is a feature;
 * an empty feature cell is missing; a row with an empty label (its future is not in the file) is
 * left out.
 */
export const parseCsvTraining = (text: string, where: string): TrainingData => {
  const textLines = text.split('\n');
  const header = (textLines[0] ?? '').trim().split(',');
  const labelColumn = header.indexOf('label');
  if (labelColumn < 0)
    bad(where, 1, `no "label" column in the header (${header.join(',')}); export with --label-horizon`);
  const featureColumns = header.flatMap((name, c) =>
    name === 'ts' || name === 'symbol' || c === labelColumn ? [] : [c],
  );
  if (featureColumns.length === 0) bad(where, 1, 'no feature columns in the header');
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const lineNumbers: number[] = [];
  for (let l = 1; l < textLines.length; l++) {
    const line = textLines[l].trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.length)
      bad(where, l + 1, `${cells.length} cells for ${header.length} header columns`);
    if (cells[labelColumn] === '') continue;
    const label = Number(cells[labelColumn]);
    if (!Number.isFinite(label)) bad(where, l + 1, `label "${cells[labelColumn]}" is not a finite number`);
    const row = new Float32Array(featureColumns.length);
    featureColumns.forEach((column, f) => {
      const cell = cells[column];
      const value = cell === '' ? Number.NaN : Number(cell);
      if (cell !== '' && Number.isNaN(value))
        bad(where, l + 1, `${header[column]} is "${cell}", expected a number`);
      row[f] = value;
    });
    rows.push(row);
    labels.push(label);
    lineNumbers.push(l + 1);
  }
  if (rows.length === 0) bad(where, 2, 'no labelled rows');
  const data = trainingDataOf(
    rows,
    labels,
    featureColumns.map((c) => header[c]),
  );
  return { ...data, source: { path: where, lines: Int32Array.from(lineNumbers) } };
};

/** Reads a `.csv` (feature export) or libsvm training file. */
export const readTrainingData = (path: string, width?: number): TrainingData => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataError(`${path}: cannot read the data file: ${(error as Error).message}`, path);
  }
  return /\.csv$/i.test(path) ? parseCsvTraining(text, path) : parseLibsvmTraining(text, path, width);
};
