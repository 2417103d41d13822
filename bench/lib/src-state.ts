// Which src a bench measured, for its JSON result: others edit the repository while benches run.
import { execFileSync } from 'node:child_process';

/** Which src was measured: the commit, and how many src files differed from it (others edit concurrently). */
export const srcState = (): { commit: string; uncommittedSrcFiles: number } => {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', 'src');
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      uncommittedSrcFiles: changed === '' ? 0 : changed.split('\n').length,
    };
  } catch {
    return { commit: 'unknown', uncommittedSrcFiles: -1 };
  }
};
