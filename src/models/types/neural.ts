import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelError } from '../../domain/errors.js';
import type { AnyModel } from '../model.js';
import { type ModelBuildContext, registerModelType, registryLatest, registryRootOf } from '../model-type.js';
import { checkForecaster, forecasterModelOf } from '../neural/index.js';
import { modelDirOf, readManifest, verifiedModelFile } from '../registry.js';

const entryOf = <T extends 'nhits' | 'patchtst'>(type: T) =>
  z
    .object({
      type: z.literal(type),
      /** Registry reference `name` (the latest version), `name@version`, or a path to a version directory. */
      model: z.string().min(1),
      name: z.string().min(1).optional(),
      weight: z.number().finite().nonnegative().default(1),
      /** Registry root: default ./models of the working directory; when given, relative to the config file. */
      root: z.string().min(1).optional(),
      /** BUY/SELL threshold on the forecast return at the horizon, percent; default: the model's training label. */
      thresholdPct: z.number().nonnegative().optional(),
    })
    .strict();
type ForecasterEntry = z.output<ReturnType<typeof entryOf>>;

const nameOf = (entry: ForecasterEntry): string => entry.name ?? entry.model.replace(/@.*$/, '');

/**
 * `type: nhits` / `type: patchtst` — a neural forecaster trained by `quantum train` and kept in the
 * registry (`models/<name>/<version>/{model.json,weights.bin,manifest.json}`). The build checks the
 * files without tfjs (manifest, format, architecture, weights size and SHA-256), so a corrupt or
 * truncated model stops the pipeline before it starts, naming the file; tfjs loads the weights
 * on the first full window. It reads candle closes, not features, so it needs none.
 */
const forecasterModelType = <T extends 'nhits' | 'patchtst'>(type: T) => {
  const build = (entry: ForecasterEntry, { baseDir, where }: ModelBuildContext): AnyModel => {
    const root = registryRootOf(entry.root, baseDir);
    try {
      const dir = modelDirOf(entry.model, root);
      const manifestPath = join(dir, 'manifest.json');
      const manifest = existsSync(manifestPath) ? readManifest(manifestPath) : undefined;
      if (manifest !== undefined) {
        if (manifest.kind !== 'tfjs-forecaster') {
          throw new ModelError(
            `${manifestPath}: a ${manifest.kind} model, not a neural forecaster`,
            manifestPath,
          );
        }
        verifiedModelFile(dir, manifest);
      }
      const topology = checkForecaster(dir);
      if (topology.arch !== type) {
        throw new ModelError(`${dir}: a ${topology.arch} model, but the entry says type: ${type}`, dir);
      }
      return forecasterModelOf({
        name: nameOf(entry),
        dir,
        topology,
        thresholdPct: entry.thresholdPct,
        metrics: manifest?.metrics,
        trainingRange: manifest?.trainingRange,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ModelError(`${where}: ${message}`, where);
    }
  };
  return registerModelType({
    type,
    schema: entryOf(type),
    nameOf,
    build,
    latest: registryLatest(nameOf, build),
    check: (entry) =>
      entry.name === undefined && /[/\\]/.test(entry.model)
        ? [
            {
              path: ['name'],
              message: `a model given by path ("${entry.model}") needs a name for its votes; add name: …`,
            },
          ]
        : [],
  });
};

export const nhitsModelType = forecasterModelType('nhits');
export const patchtstModelType = forecasterModelType('patchtst');
