import type { Command } from 'commander';
import type { DeadLetter } from '../domain/index.js';
import { ABLATION_MODULES, formatAblation, parseAblation, runAblation } from '../pipeline/ablation.js';
import { type BacktestResult, runBacktest } from '../pipeline/backtest.js';
import { loadPipelineConfig, type PipelineConfig } from '../pipeline/config.js';
import { type DataFlags, dataOptionsOf, withDataOptions } from './data-options.js';
import { createProgress } from './progress.js';

interface BacktestFlags extends DataFlags {
  out?: string;
  progress: boolean;
  ablate?: string;
}

/** `quantum backtest`: the pipeline over recorded or synthetic data, with a report. */
export const registerBacktestCommand = (program: Command): void => {
  withDataOptions(
    program
      .command('backtest')
      .description(
        'run the pipeline over recorded or synthetic klines against the simulated exchange and write a report',
      ),
  )
    .option('-o, --out <dir>', 'output folder (default: output.dir of the config)')
    .option('--no-progress', 'no progress bar')
    .option(
      '--ablate <modules>',
      `also run without each decision module (${Object.keys(ABLATION_MODULES).join(', ')}) and with none, and compare (ablation.json/csv)`,
    )
    .action(async (flags: BacktestFlags) => {
      const config = loadPipelineConfig(flags.config);
      const modules = flags.ablate === undefined ? undefined : parseAblation(flags.ablate);
      let progress: ReturnType<typeof createProgress> | undefined;
      const options = {
        now: () => performance.now(),
        ...dataOptionsOf(flags, config),
        outDir: flags.out,
        outDirLabel: flags.out === undefined ? 'output.dir' : '--out',
        generatedAt: new Date().toISOString(),
        onProgress: (done: number, total: number) => {
          progress ??= createProgress('backtest', total, 'klines', flags.progress && config.output.progress);
          progress.update(done);
        },
        onWarning: (message: string) => process.stderr.write(`warning: ${message}\n`),
      };
      if (modules === undefined) {
        const result = await runBacktest(options);
        progress?.stop();
        printRunResult(config, result, flags.seed !== undefined);
        return;
      }
      const { all, rows } = await runAblation(options, modules, (variant, index, total) => {
        progress?.stop();
        if (flags.progress && config.output.progress)
          process.stderr.write(`ablation ${index + 1}/${total}: ${variant}\n`);
      });
      progress?.stop();
      printRunResult(config, all, flags.seed !== undefined);
      process.stdout.write(`\nablation (${modules.join(', ')}):\n${formatAblation(rows)}\n`);
    });
};

/** What a finished run prints: the summary table, warnings, dead letters, denials and the report's files. */
export const printRunResult = (config: PipelineConfig, result: BacktestResult, seedGiven: boolean): void => {
  const { report, paths, deadLetters } = result;
  const out = process.stdout;
  out.write(
    `\n${config.name}: ${report.run.symbols.join(', ')} · ${report.run.dataSource} · seed ${report.run.seed}\n`,
  );
  out.write(`${result.summary}\n`);
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (seedGiven && !(report.run.dataSource ?? '').startsWith('synthetic:')) {
    // On recorded data the simulator's fills are deterministic: the seed changes nothing.
    process.stderr.write(
      'note: --seed changes nothing on recorded data (the simulated fills are deterministic); it seeds the synthetic market\n',
    );
  }
  for (const line of deadLetterSummary(deadLetters)) out.write(line);
  const denied = Object.entries(report.deniedByGate ?? {});
  if (denied.length > 0)
    out.write(`denied by gate: ${denied.map(([gate, n]) => `${gate} ${n}`).join(', ')}\n`);
  if (paths) {
    out.write(
      `\nreport: ${paths.reportHtml}\n        ${paths.reportJson}\n        ${paths.tradesCsv}\n        ${paths.equityCsv}\n        ${paths.deadLettersJsonl}\n        ${paths.runLog}\n`,
    );
  }
};

/**
 * What the refused input and the engine's own failures amount to, for the terminal: bad input
 * rows skipped and gap/repair notices, and — louder — events a stage failed on (the run went on
 * without what they would have caused). Empty when there is nothing to say.
 */
export const deadLetterSummary = (deadLetters: readonly DeadLetter[]): string[] => {
  const lines: string[] = [];
  const failures = deadLetters.filter((letter) => letter.origin.startsWith('stage '));
  const input = deadLetters.filter((letter) => !letter.origin.startsWith('stage '));
  if (input.length > 0) {
    // Gaps and repairs are notices about rows that were kept; only the rest were dropped.
    const notices = input.filter((letter) => /^(gap|repaired):/.test(letter.reason)).length;
    const skipped = input.length - notices;
    lines.push(
      `\n${skipped} bad input rows skipped, ${notices} gap/repair notices (see dead-letters.jsonl), first: ${input[0].payload}\n`,
    );
  }
  if (failures.length > 0) {
    const [first] = failures;
    lines.push(
      `\nwarning: ${failures.length} event${failures.length === 1 ? '' : 's'} failed inside the engine and ${failures.length === 1 ? 'was' : 'were'} dropped (see dead-letters.jsonl); first: ${first.origin}: ${first.reason}\n`,
    );
  }
  return lines;
};
