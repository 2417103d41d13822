import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';

interface FakeBinanceFlags {
  port: string;
  host: string;
  scenario?: string;
}

/** The environment variables holding the one key pair the fake server accepts. */
export const FAKE_BINANCE_KEY_ENV = 'QUANTUM_FAKE_BINANCE_KEY';
export const FAKE_BINANCE_SECRET_ENV = 'QUANTUM_FAKE_BINANCE_SECRET';

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`--port: expected a port 0 … 65535 (0: any free one), got "${value}"`);
  }
  return port;
};

/** The key pair from the environment; never printed. */
const credentialsFromEnv = (env: NodeJS.ProcessEnv): { apiKey: string; secret: string } => {
  const apiKey = env[FAKE_BINANCE_KEY_ENV];
  const secret = env[FAKE_BINANCE_SECRET_ENV];
  const missing = [
    apiKey ? undefined : FAKE_BINANCE_KEY_ENV,
    secret ? undefined : FAKE_BINANCE_SECRET_ENV,
  ].filter((name) => name !== undefined);
  if (apiKey === undefined || secret === undefined || missing.length > 0) {
    throw new UsageError(
      `${missing.join(' and ')} not set: the fake server accepts exactly one key pair; export ${FAKE_BINANCE_KEY_ENV}=<any key> ${FAKE_BINANCE_SECRET_ENV}=<any secret> and give the same pair to the client`,
    );
  }
  return { apiKey, secret };
};

/** Resolves on the first SIGINT or SIGTERM. */
const untilStopped = (): Promise<string> =>
  new Promise((done) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

/**
 * `quantum fake-binance`: serve a fake Binance USDⓈ-M futures venue (REST and websockets on one
 * port) until SIGINT/SIGTERM, printing one start-up line with the settings clients need.
 */
const runFakeBinance = async (flags: FakeBinanceFlags): Promise<void> => {
  const port = parsePort(flags.port);
  const credentials = credentialsFromEnv(process.env);
  // fastify and the venue load only when the command runs.
  const [{ startFakeBinance }, { loadFakeScenario }] = await Promise.all([
    import('../fake-binance/fake-binance-server.js'),
    import('../fake-binance/fake-scenario.js'),
  ]);
  const scenario = loadFakeScenario(flags.scenario);
  const fake = await startFakeBinance({ ...scenario.options, credentials, port, host: flags.host }).catch(
    (error: unknown) => {
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
      throw new UsageError(
        `--port: ${flags.host}:${port} is in use; choose another port, or 0 for any free one`,
      );
    },
  );
  const { restUrl, wsUrl, venue } = fake;
  const symbols = [...venue.symbols.keys()];
  process.stdout.write(
    `fake Binance USDⓈ-M on ${restUrl} (websockets ${wsUrl}, key pair from ${FAKE_BINANCE_KEY_ENV}/${FAKE_BINANCE_SECRET_ENV}) — ` +
      `ccxt: createBinanceClient({ baseUrl: '${restUrl}' }); official connector: basePath ${restUrl}, wsURL ${wsUrl}; ` +
      `control: POST ${restUrl}/fake/step?n=1, POST /fake/faults, GET /fake/ledger; ` +
      `${symbols.length} symbol(s) ${symbols.join(',')} from ${scenario.pathSource}, ${venue.revealedCount()} candles revealed, ${venue.remaining()} to go, ` +
      `${scenario.options.stepMs ? `one every ${scenario.options.stepMs} ms` : 'stepped on demand'}; filters from ${scenario.filtersSource}\n`,
  );
  await untilStopped();
  await fake.close();
};

/** Register `quantum fake-binance`. */
export const registerFakeBinanceCommand = (program: Command): void => {
  program
    .command('fake-binance')
    .description(
      `serve a fake Binance USDⓈ-M futures venue (REST + websockets on one port) for development and tests; it accepts the key pair in ${FAKE_BINANCE_KEY_ENV} / ${FAKE_BINANCE_SECRET_ENV}`,
    )
    .option('--port <port>', 'TCP port (0: any free one)', '8089')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--scenario <file>',
      'scenario YAML: data or synthetic market, symbols and filters, fees, faults by candle index (see examples/scenarios/fake-binance.yaml)',
    )
    .action(async (flags: FakeBinanceFlags) => {
      await runFakeBinance(flags);
    });
};
