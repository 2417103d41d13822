import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { Action } from '../domain/common.js';
import { ModelError, UsageError } from '../domain/errors.js';
import type { LightgbmModelDoc } from './lightgbm/lightgbm-text.js';
import { type ModelFile, parseModelFile } from './lightgbm/model-file.js';
import { ModelManifest, ModelName } from './model-manifest.js';
import type { XgboostModelDoc } from './xgboost-json.js';
import type { XgboostPredictor } from './xgboost-predictor.js';

/**
 * The model registry on disk: `<root>/<name>/<version>/{model.json|model.txt,manifest.json}`,
 * root `./models` by default. Versions are integers 1, 2, 3… per name; importing a file whose bytes
 * and feature list equal an existing version returns that version instead of making a copy, so
 * re-running an import is harmless.
 */
export const DEFAULT_MODELS_ROOT = './models';
export const MANIFEST_FILE = 'manifest.json';

export const importModelParams = z
  .object({
    /** The XGBoost JSON or LightGBM text model to import. */
    file: z.string().min(1),
    /** Registry name; default: the file name without extension. */
    name: ModelName.optional(),
    /** Feature names in model order; default: the model's own `feature_names`. */
    features: z.array(z.string().min(1)).min(1).optional(),
    /** A feature-export CSV (its header gives the names) or a names file (one per line). */
    featuresFile: z.string().min(1).optional(),
    root: z.string().min(1).default(DEFAULT_MODELS_ROOT),
    warmup: z.number().int().nonnegative().default(0),
    classes: z.array(Action).optional(),
    label: z.object({ horizon: z.number().int().positive(), thresholdPct: z.number().optional() }).optional(),
    trainingRange: z.object({ from: z.number(), to: z.number() }).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    /** Import time, ms UTC; default: the source file's mtime (models never read the clock). */
    createdTs: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ImportModelParams = z.output<typeof importModelParams>;

/** A model ready to predict: its manifest, where it lives, the parsed forest and its predictor. */
export interface LoadedModel {
  readonly manifest: ModelManifest;
  readonly dir: string;
  readonly modelPath: string;
  readonly doc: XgboostModelDoc | LightgbmModelDoc;
  /** The compiled forest (a LightGBM one has the same shape, see lightgbm-predictor.ts). */
  readonly predictor: XgboostPredictor;
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Feature names from a file: the header of our feature export (`ts,symbol,<features…>[,label]`,
 * `ts`/`symbol`/`label` dropped) or a names file (one name per line, or comma separated).
 */
export const readFeatureNames = (path: string): string[] => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--features-from ${path}: cannot read it: ${(error as Error).message}`);
  }
  const firstLine = text.split('\n', 1)[0].trim();
  const names = firstLine.includes(',')
    ? firstLine.split(',').map((name) => name.trim())
    : text
        .split('\n')
        .map((name) => name.trim())
        .filter((name) => name !== '' && !name.startsWith('#'));
  return names.filter((name, i) => !((i < 2 && (name === 'ts' || name === 'symbol')) || name === 'label'));
};

export const numericVersions = (dir: string): number[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((entry) => /^[1-9][0-9]*$/.test(entry))
        .map(Number)
        .sort((a, b) => a - b)
    : [];

export const readManifest = (path: string): ModelManifest => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelError(`${path}: cannot read the manifest: ${(error as Error).message}`, path);
  }
  const parsed = ModelManifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ModelError(`${path}: invalid manifest (${issues.join('; ')}); re-import the model`, path);
  }
  return parsed.data;
};

/** Checks the feature list fits the forest (count, duplicates) and the classes fit num_class. */
const checkFeatures = (
  doc: Pick<ModelFile, 'numFeature'>,
  features: readonly string[],
  where: string,
): void => {
  const duplicate = features.find((name, i) => features.indexOf(name) !== i);
  if (duplicate !== undefined) throw new ModelError(`${where}: feature ${duplicate} is listed twice`, where);
  // Fewer names than the model's columns cannot be mapped; more are tolerated because XGBoost
  // sizes num_feature by the highest index it saw, and a never-present last feature is dropped.
  if (features.length < doc.numFeature) {
    throw new ModelError(
      `${where}: the model reads ${doc.numFeature} features but ${features.length} names were given ` +
        `(${features.join(',')}); pass the full list in training order with --features`,
      where,
    );
  }
};

/**
 * Imports an XGBoost JSON or LightGBM text model into the registry: validates and compiles it
 * (so a broken file is refused now, not at trading time), copies it to
 * `<root>/<name>/<version>/model.json` (LightGBM: `model.txt`) and writes the manifest.
 * @returns the manifest written (or the existing one when the same model was imported before)
 * @throws ModelError for a corrupt model or a feature list that does not fit; UsageError when no
 *   feature names can be found
 */
export const importModel = (input: z.input<typeof importModelParams>): ModelManifest => {
  const params = importModelParams.parse(input);
  let bytes: Buffer;
  try {
    bytes = readFileSync(params.file);
  } catch (error) {
    throw new ModelError(
      `${params.file}: cannot read the model file: ${(error as Error).message}`,
      params.file,
    );
  }
  const doc = parseModelFile(bytes.toString('utf8'), params.file);
  const features =
    params.features ??
    (params.featuresFile !== undefined ? readFeatureNames(params.featuresFile) : [...doc.featureNames]);
  if (features.length === 0) {
    throw new UsageError(
      `${params.file}: the model has no feature_names; give them with --features a,b,c or ` +
        `--features-from <export.csv>, in the order used for training`,
    );
  }
  checkFeatures(doc, features, params.file);
  if (params.classes !== undefined && params.classes.length !== doc.numClass) {
    throw new ModelError(
      `${params.file}: ${params.classes.length} classes given but the model has num_class = ${doc.numClass}`,
      params.file,
    );
  }
  const name = params.name ?? ModelName.parse(basename(params.file).replace(/\.(json|txt)$/i, ''));
  const dataSha256 = sha256(bytes);
  const nameDir = join(params.root, name);
  const versions = numericVersions(nameDir);
  // The same model with the same features AND options is that version again; new options (a
  // warm-up, classes, a label…) make a new version — never a silent keep of the old manifest.
  const options = JSON.stringify([
    params.warmup,
    params.classes,
    params.label,
    params.trainingRange,
    params.metrics,
  ]);
  for (const version of versions) {
    const existing = readManifest(join(nameDir, String(version), MANIFEST_FILE));
    const sameOptions =
      JSON.stringify([
        existing.warmup,
        existing.classes,
        existing.label,
        existing.trainingRange,
        existing.metrics,
      ]) === options;
    if (
      existing.dataSha256 === dataSha256 &&
      existing.features.join(',') === features.join(',') &&
      sameOptions
    )
      return existing;
  }
  const version = (versions.at(-1) ?? 0) + 1;
  const dir = join(nameDir, String(version));
  mkdirSync(nameDir, { recursive: true });
  // Non-recursive: fails if a concurrent import took this version, instead of mixing two models.
  mkdirSync(dir);
  // Through JSON so absent optional keys are absent (not `undefined`), as they are when read back.
  const draft = {
    name,
    version,
    kind: doc.kind,
    file: doc.fileName,
    features,
    objective: doc.objective,
    numClass: doc.numClass,
    classes: params.classes,
    warmup: params.warmup,
    label: params.label,
    trainingRange: params.trainingRange,
    dataSha256,
    metrics: params.metrics,
    importedFrom: resolve(params.file),
    createdTs: params.createdTs ?? Math.floor(statSync(params.file).mtimeMs),
  };
  const manifest = ModelManifest.parse(JSON.parse(JSON.stringify(draft)));
  writeFileSync(join(dir, doc.fileName), bytes);
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
};

/** Every model version under `root`, sorted by name then version. */
export const listModels = (root: string = DEFAULT_MODELS_ROOT): ModelManifest[] => {
  if (!existsSync(root)) return [];
  const manifests: ModelManifest[] = [];
  for (const name of readdirSync(root).sort()) {
    if (!statSync(join(root, name)).isDirectory()) continue;
    for (const version of numericVersions(join(root, name))) {
      const path = join(root, name, String(version), MANIFEST_FILE);
      if (existsSync(path)) manifests.push(readManifest(path));
    }
  }
  return manifests;
};

/**
 * The bytes of a version's model file (`manifest.file`), checked against `manifest.dataSha256`.
 * @throws ModelError naming the file when it cannot be read or changed after it was registered
 */
export const verifiedModelFile = (
  dir: string,
  manifest: ModelManifest,
): { modelPath: string; bytes: Buffer } => {
  const modelPath = join(dir, manifest.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch (error) {
    throw new ModelError(`${modelPath}: cannot read the model file: ${(error as Error).message}`, modelPath);
  }
  if (sha256(bytes) !== manifest.dataSha256) {
    throw new ModelError(
      `${modelPath}: the file changed since it was imported (SHA-256 differs from manifest.dataSha256); ` +
        're-import or retrain it',
      modelPath,
    );
  }
  return { modelPath, bytes };
};

const loadFromDir = (dir: string): LoadedModel => {
  const manifest = readManifest(join(dir, MANIFEST_FILE));
  if (manifest.kind === 'tfjs-forecaster') {
    throw new ModelError(
      `${dir}: ${manifest.name}@${manifest.version} is a neural forecaster (${String(manifest.training?.arch ?? 'tfjs')}), ` +
        'not a tree model: use it in a pipeline as `type: nhits` or `type: patchtst`',
      dir,
    );
  }
  const { modelPath, bytes } = verifiedModelFile(dir, manifest);
  const parsed = parseModelFile(bytes.toString('utf8'), modelPath);
  checkFeatures(parsed, manifest.features, join(dir, MANIFEST_FILE));
  return { manifest, dir, modelPath, doc: parsed.doc, predictor: parsed.predictor };
};

/** A bare XGBoost JSON or LightGBM text file, outside the registry: names from the model, else f0, f1, … */
const loadBareFile = (path: string): LoadedModel => {
  const bytes = readFileSync(path);
  const doc = parseModelFile(bytes.toString('utf8'), path);
  const features =
    doc.featureNames.length > 0
      ? [...doc.featureNames]
      : Array.from({ length: doc.numFeature }, (_, i) => `f${i}`);
  const manifest: ModelManifest = {
    name:
      basename(path)
        .replace(/\.(json|txt)$/i, '')
        .replace(/[^A-Za-z0-9._-]/g, '_') || 'model',
    version: 1,
    kind: doc.kind,
    file: basename(path),
    features,
    objective: doc.objective,
    numClass: doc.numClass,
    warmup: 0,
    dataSha256: sha256(bytes),
    importedFrom: resolve(path),
    createdTs: Math.floor(statSync(path).mtimeMs),
  };
  return { manifest, dir: dirname(path), modelPath: path, doc: doc.doc, predictor: doc.predictor };
};

/**
 * Loads a model by reference: a path (a version directory, its `manifest.json`, or a bare
 * XGBoost JSON or LightGBM text file), `name` (latest version) or `name@version`, looked up under `root`.
 * @throws ModelError when the model does not exist (listing what does), its file changed since
 *   import, or it is corrupt
 */
export const loadModel = (ref: string, root: string = DEFAULT_MODELS_ROOT): LoadedModel => {
  if (existsSync(ref) && !statSync(ref).isDirectory() && basename(ref) !== MANIFEST_FILE)
    return loadBareFile(ref);
  return loadFromDir(modelDirOf(ref, root));
};

/**
 * The version directory a reference names: a path (a version directory or its `manifest.json`),
 * `name` (latest version — the champion, see continuous learning) or `name@version` under `root`.
 * @throws ModelError when there is no such model (listing what exists)
 */
export const modelDirOf = (ref: string, root: string = DEFAULT_MODELS_ROOT): string => {
  if (existsSync(ref)) return statSync(ref).isDirectory() ? ref : dirname(ref);
  const match = /^([^@/\\]+)(?:@([1-9][0-9]*))?$/.exec(ref);
  // Only on the error paths: listing reads every manifest.
  const available = (): string => {
    const known = [...new Set(listModels(root).map((m) => m.name))];
    return known.length > 0 ? known.join(', ') : 'none';
  };
  if (match === null) {
    throw new ModelError(
      `model "${ref}" is neither a path nor name[@version]; models in ${root}: ${available()}`,
      ref,
    );
  }
  const [, name, version] = match;
  const versions = numericVersions(join(root, name));
  if (versions.length === 0) {
    throw new ModelError(
      `no model named "${name}" in ${root} (available: ${available()}); import it first`,
      ref,
    );
  }
  const chosen = version === undefined ? versions.at(-1) : Number(version);
  if (chosen === undefined || !versions.includes(chosen)) {
    throw new ModelError(
      `model ${name} has no version ${version} in ${root} (versions: ${versions.join(', ')})`,
      ref,
    );
  }
  return join(root, name, String(chosen));
};
