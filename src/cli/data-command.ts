import { relative } from 'node:path';
import type { Command } from 'commander';
import { Interval, UsageError } from '../domain/index.js';
import { bundledVenueRulesDir } from '../exchange/venue-rules.js';
import { prepareOutputDir } from '../sinks/output-dir.js';
import type { BinanceDownloadReport } from '../streams/binance-download.js';
import { parseTimeOption } from './parse-time.js';
import { createProgress } from './progress.js';
import { REQUEST_BUDGET_HELP } from './request-budget-help.js';

interface DownloadFlags {
  symbols: string;
  interval: string;
  from: string;
  to?: string;
  out: string;
  baseUrl?: string;
  funding: boolean;
  refreshVenueRules?: boolean;
  progress: boolean;
}

const BINANCE_FAPI = 'https://fapi.binance.com';

/** `--symbols BTCUSDT,ETHUSDT`: exchange ids, each once. */
export const parseSymbolList = (value: string): string[] => {
  const symbols = value
    .split(',')
    .map((symbol) => symbol.trim())
    .filter((symbol) => symbol !== '');
  const bad = symbols.filter((symbol) => !/^[A-Z0-9]{2,30}$/.test(symbol));
  if (symbols.length === 0 || bad.length > 0) {
    throw new UsageError(
      `--symbols: expected comma-separated exchange ids such as BTCUSDT,ETHUSDT, got "${value}"` +
        (bad.length > 0 ? ` (${bad.map((s) => `"${s}"`).join(', ')} is not an id; ids are upper case)` : ''),
    );
  }
  return [...new Set(symbols)];
};

const parseInterval = (value: string): Interval => {
  const parsed = Interval.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(`--interval: expected one of ${Interval.options.join(', ')}, got "${value}"`);
  }
  return parsed.data;
};

const parseBaseUrl = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(value)) {
    throw new UsageError(`--base-url: expected a URL such as http://127.0.0.1:8089, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
};

/** Keys for the signed leverage brackets: both or neither, from the environment only. */
const keysFromEnv = (): { apiKey?: string; secret?: string } => {
  const apiKey = process.env.BINANCE_API_KEY || undefined;
  const secret = process.env.BINANCE_API_SECRET || undefined;
  if ((apiKey === undefined) !== (secret === undefined)) {
    throw new UsageError(
      `${apiKey === undefined ? 'BINANCE_API_KEY' : 'BINANCE_API_SECRET'} is not set but its partner is; set both (leverage brackets) or neither`,
    );
  }
  return { apiKey, secret };
};

/** `2026-02-01T00:00` (UTC). */
const isoMinute = (ts: number): string => new Date(ts).toISOString().slice(0, 16);

/** The run's summary: one line per symbol on stdout; notes and gaps on stderr. */
const printReport = (report: BinanceDownloadReport, outDir: string, interval: Interval): void => {
  const shown = (path: string): string => relative(process.cwd(), path) || '.';
  const lines = [
    `${interval} candles ${isoMinute(report.fromOpenTime)}Z → ${isoMinute(report.toCloseTime)}Z in ${shown(outDir)}`,
  ];
  for (const s of report.symbols) {
    lines.push(
      `  ${s.symbol}: ${s.candlesInFiles} candles in ${s.klineFiles.length} file(s) (${s.candlesAdded} new), ` +
        `${s.fundingAdded} new funding rate(s), ${s.gaps.length} gap(s)`,
    );
  }
  for (const file of report.venueFiles) lines.push(`  ${shown(file)}`);
  lines.push(
    `  ${report.requests} request(s)` +
      (report.rateLimitWaits > 0
        ? `, waited ${Math.round(report.rateLimitWaitedMs / 1000)} s on ${report.rateLimitWaits} rate-limit answer(s)`
        : ''),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const note of report.notes) process.stderr.write(`note: ${note}\n`);
  for (const s of report.symbols) {
    for (const gap of s.gaps) {
      process.stderr.write(
        `gap: ${gap.symbol} ${interval}: the exchange has no ${gap.candles} candle(s) opening ${isoMinute(gap.fromOpenTime)}Z … ${isoMinute(gap.toOpenTime)}Z (left out, not filled)\n`,
      );
    }
  }
};

/**
 * `quantum data download`: real Binance USDⓈ-M klines, funding rates and venue rules through ccxt
 * into the files `quantum backtest --data <out>` reads; resumable (see binance-download.ts).
 */
export const registerDataCommands = (program: Command): void => {
  const data = program.command('data').description('market data: download real Binance history');
  data
    .command('download')
    .description(
      'download Binance USDⓈ-M klines, funding rates, exchangeInfo and leverage brackets into a backtest data folder (resumable)',
    )
    .requiredOption('--symbols <ids>', 'comma-separated exchange ids, e.g. BTCUSDT,ETHUSDT')
    .option('--interval <interval>', `candle interval (${Interval.options.join(', ')})`, '1m')
    .requiredOption('--from <time>', 'first candle open (ISO date or ms)')
    .option(
      '--to <time>',
      'end: the last candle closes by then, e.g. 2026-02-01 ends with January (ISO date or ms; default now)',
    )
    .requiredOption('-o, --out <dir>', 'folder for the files (a rerun resumes what is there)')
    .option('--base-url <url>', `REST root (default ${BINANCE_FAPI}; e.g. the fake server)`)
    .option('--no-funding', 'skip the funding rates')
    .option(
      '--refresh-venue-rules',
      'also overwrite the bundled data/binance-usdm/ exchange-info.json and leverage-brackets.json (real Binance only)',
    )
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nEnvironment: BINANCE_API_KEY and BINANCE_API_SECRET (read-only is enough) for the signed leverage brackets;\nwithout them the brackets are skipped with a note. Keys are never printed.\n' +
        REQUEST_BUDGET_HELP,
    )
    .action(async (flags: DownloadFlags) => {
      const symbols = parseSymbolList(flags.symbols);
      const interval = parseInterval(flags.interval);
      const from = parseTimeOption('--from', flags.from) as number;
      const to = parseTimeOption('--to', flags.to);
      if (to !== undefined && from >= to) {
        throw new UsageError(`--from must be before --to (got ${flags.from} ≥ ${flags.to})`);
      }
      const baseUrl = parseBaseUrl(flags.baseUrl);
      if (flags.refreshVenueRules === true && baseUrl !== undefined && baseUrl !== BINANCE_FAPI) {
        throw new UsageError(
          `--refresh-venue-rules: the bundled rules come from ${BINANCE_FAPI}; leave out --base-url ${flags.baseUrl}`,
        );
      }
      const outDir = prepareOutputDir(flags.out, '--out');
      const keys = keysFromEnv();
      // The request-weight budget of this key on this server, shared through Redis when REDIS_URL is set.
      // ccxt takes seconds to load: only this command's action pays for it.
      const [{ createBinanceClient }, { downloadBinanceData }, { commandRequestBudget }] = await Promise.all([
        import('../exchange/binance-client.js'),
        import('../streams/binance-download.js'),
        import('./live-run.js'),
      ]);
      const requestBudget = commandRequestBudget(keys.apiKey, baseUrl ?? BINANCE_FAPI, (warning) =>
        process.stderr.write(`note: ${warning}\n`),
      );
      const client = createBinanceClient({ baseUrl, ...keys, budget: requestBudget.budget });
      try {
        const report = await downloadBinanceData({
          client,
          symbols,
          interval,
          from,
          to,
          outDir,
          funding: flags.funding,
          extraVenueRulesDirs: flags.refreshVenueRules === true ? [bundledVenueRulesDir()] : [],
          progress: (total) => createProgress('download', total, 'candles', flags.progress),
        });
        printReport(report, outDir, interval);
        const { waits, waitedMs } = requestBudget.budget.stats;
        if (waits > 0) {
          process.stderr.write(
            `note: ${waits} request(s) waited ${Math.round(waitedMs / 1000)} s in all for Binance's request-weight limit` +
              `${requestBudget.sharedThrough === undefined ? '' : ` (shared through ${requestBudget.sharedThrough})`}\n`,
          );
        }
      } finally {
        await client.close();
        requestBudget.close();
      }
    });
};
