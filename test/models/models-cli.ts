// Shared by the `quantum models …` command tests: run the command group in-process with its output
// captured, and expect a refusal of a given error class naming a given fragment.
import { Command } from 'commander';
import * as assert from 'uvu/assert';
import { registerModelsCommands } from '../../src/cli/models-command.js';

/** The registry's clock in these tests (2026-01-01T00:00:00Z): versions are dated by it. */
export const MODELS_NOW = 1_767_225_600_000;

/** Runs `quantum <args…>` with output captured; returns what it printed. */
export const runModels = async (...args: string[]): Promise<string> => {
  let printed = '';
  const program = new Command('quantum').exitOverride();
  registerModelsCommands(program, { out: (text) => (printed += text), now: () => MODELS_NOW });
  await program.parseAsync(args, { from: 'user' });
  return printed;
};

/** Expects `quantum <args…>` to throw a `kind` whose message includes `fragment`. */
export const rejectsWith = async (
  kind: abstract new (...args: never[]) => Error,
  args: string[],
  fragment: string,
): Promise<void> => {
  try {
    await runModels(...args);
  } catch (error) {
    assert.instance(error, kind);
    assert.ok((error as Error).message.includes(fragment), (error as Error).message);
    return;
  }
  assert.unreachable(`expected ${kind.name}`);
};
