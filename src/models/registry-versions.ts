import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ModelError } from '../domain/errors.js';
import { ModelManifest, ModelName } from './model-manifest.js';
import { MANIFEST_FILE, numericVersions, sha256 } from './registry.js';

// Writing trained versions into the registry (`quantum train`, `quantum learn`): a draft directory
// per model being written, registered by one atomic rename to the next version number.

/**
 * A fresh draft directory `<root>/<name>/.draft-XXXXXX` for a model being written (`quantum
 * train`): the version listing ignores it, and `registerModelDir` turns it into a version.
 */
export const createModelDraftDir = (root: string, name: string): string => {
  const nameDir = join(root, ModelName.parse(name));
  mkdirSync(nameDir, { recursive: true });
  const draftDir = mkdtempSync(join(nameDir, '.draft-'));
  // mkdtemp makes it owner-only; a version is read by the services like any imported one.
  chmodSync(draftDir, 0o755);
  return draftDir;
};

/**
 * Registers a model written into a draft directory (from `createModelDraftDir`): hashes its
 * file into `dataSha256`, writes manifest.json and renames the directory to the next version.
 * The rename is atomic, so a reader sees no version or a complete one; when a concurrent writer
 * took that number first, the next one is tried.
 * @throws ModelError when the model file is missing or the manifest fields are invalid
 */
export const registerModelDir = (
  draftDir: string,
  fields: Omit<ModelManifest, 'version' | 'dataSha256'>,
): ModelManifest => {
  const nameDir = dirname(draftDir);
  const modelPath = join(draftDir, fields.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelPath);
  } catch (error) {
    throw new ModelError(`${modelPath}: cannot read the model file: ${(error as Error).message}`, modelPath);
  }
  for (let attempt = 0; ; attempt++) {
    const version = (numericVersions(nameDir).at(-1) ?? 0) + 1;
    const draft = { ...fields, version, dataSha256: sha256(bytes) };
    const parsed = ModelManifest.safeParse(JSON.parse(JSON.stringify(draft)));
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
      throw new ModelError(`${draftDir}: invalid manifest (${issues.join('; ')})`, draftDir);
    }
    writeFileSync(join(draftDir, MANIFEST_FILE), `${JSON.stringify(parsed.data, null, 2)}\n`);
    try {
      renameSync(draftDir, join(nameDir, String(version)));
      return parsed.data;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt < 100 && (code === 'EEXIST' || code === 'ENOTEMPTY')) continue;
      throw error;
    }
  }
};
