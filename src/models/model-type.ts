import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import type { LatestVersion } from './following-model.js';
import type { AnyModel } from './model.js';
import { DEFAULT_MODELS_ROOT, modelDirOf } from './registry.js';

/** What every model entry of a pipeline has: its type and its ensemble weight. */
export interface ModelEntry {
  readonly type: string;
  readonly weight: number;
}

/** Where a model is built: for resolving files and naming errors. */
export interface ModelBuildContext {
  /** Folder relative paths resolve against (the config file's). */
  readonly baseDir: string;
  /** The pipeline's feature names, in vector order. */
  readonly features: readonly string[];
  /** The entry's place in the config (`models[2]`), for error messages. */
  readonly where: string;
}

/** A problem the schema alone cannot see (e.g. a feature the pipeline does not compute). */
export interface ModelConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * A model type the pipeline can run: its config entry's zod schema (with `type` as a literal and
 * `weight`), the name its votes carry, the features it reads (when the config says which), extra
 * checks, and how to build it. Registering one (`registerModelType`) in its own file is all a new
 * model type needs: the pipeline's config union and builder read the registry.
 */
export interface ModelType<C extends ModelEntry = ModelEntry> {
  readonly type: string;
  readonly schema: z.ZodType<C, object>;
  readonly nameOf: (entry: C) => string;
  /** Features the entry reads; a pipeline without one of them is refused (the model would abstain all run). */
  readonly requiredFeatures?: (entry: C) => readonly string[];
  readonly check?: (entry: C) => readonly ModelConfigIssue[];
  readonly build: (entry: C, context: ModelBuildContext) => AnyModel;
  /**
   * When the entry names a registry model by name alone (no `@version`): how to follow its newest
   * version in a running pipeline (see `followLatest`); undefined when it is pinned.
   */
  readonly latest?: (entry: C, context: ModelBuildContext) => LatestVersion | undefined;
}

/** The registry root of an entry: ./models of the working directory by default, else relative to the config. */
export const registryRootOf = (root: string | undefined, baseDir: string): string =>
  root === undefined ? resolve(DEFAULT_MODELS_ROOT) : isAbsolute(root) ? root : resolve(baseDir, root);

/**
 * `ModelType.latest` for entries that name a registry model (`model:`, `root:`, `name:`): a plain
 * name follows its newest version; `name@version` and paths are pinned.
 */
export const registryLatest =
  <C extends ModelEntry & { readonly model: string; readonly root?: string; readonly name?: string }>(
    nameOf: (entry: C) => string,
    build: (entry: C, context: ModelBuildContext) => AnyModel,
  ) =>
  (entry: C, context: ModelBuildContext): LatestVersion | undefined => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(entry.model)) return undefined;
    const root = registryRootOf(entry.root, context.baseDir);
    return {
      nameDir: join(root, entry.model),
      current: () => modelDirOf(entry.model, root),
      // The version directory as the model, keeping the entry's vote name.
      build: (dir) => build({ ...entry, model: dir, name: nameOf(entry) }, context),
    };
  };

const registry = new Map<string, ModelType>();

/** Adds a model type; a second registration of the same type is a programming error. */
export const registerModelType = <C extends ModelEntry>(type: ModelType<C>): ModelType<C> => {
  if (registry.has(type.type)) throw new Error(`model type "${type.type}" is registered twice`);
  registry.set(type.type, type as unknown as ModelType);
  return type;
};

/** The registered model types, in registration order. */
export const modelTypes = (): readonly ModelType[] => [...registry.values()];

/** The registered type of an entry (the config schema guarantees it exists). */
export const modelTypeOf = (entry: ModelEntry): ModelType => {
  const type = registry.get(entry.type);
  if (type === undefined) throw new Error(`unknown model type "${entry.type}"`);
  return type;
};
