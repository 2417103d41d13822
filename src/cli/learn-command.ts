import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import type { ModelFindingRaised } from '../domain/model-supervision.js';
import { TOPICS } from '../kernel/topics.js';
import { DEFAULT_MODELS_ROOT } from '../models/registry.js';
import { loadPipelineConfig } from '../pipeline/config.js';
import { closeQuietly, connectRedis, redisUrlOf, shownUrl } from '../services/redis-client.js';
import { keyspace } from '../services/redis-keys.js';
import { fieldsOf, parseEnvelopeFields } from '../services/wire.js';
import type { ChallengeResult } from '../training/challenge.js';
import { parseDuration } from './parse-time.js';

interface LearnFlags {
  config?: string;
  model: string;
  name: string;
  data?: string;
  root: string;
  holdout: string;
  minImprovement: string;
  every?: string;
  onFindings?: boolean;
  vote?: string;
  shard?: string;
  findingCooldown: string;
}

const fraction = (text: string, option: string, max = 1): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value >= max) {
    throw new UsageError(`${option} "${text}": expected a number in [0, ${max})`);
  }
  return value;
};

/** Findings that say a model no longer fits its market: worth a retrain (a bias alone is not). */
const RETRAIN_FINDINGS = new Set(['drift', 'accuracy-decay']);

const describe = (result: ChallengeResult): string => {
  const c = result.challenger;
  const head = `${result.name} (${result.model}, ${result.reason}): ${result.decision}`;
  const scores =
    `challenger acc ${c.accuracy.toFixed(3)} logloss ${c.logLoss.toFixed(4)}` +
    (result.champion === undefined
      ? ''
      : `; champion v${result.champion.version} acc ${result.champion.metrics.accuracy.toFixed(3)} logloss ${result.champion.metrics.logLoss.toFixed(4)}`);
  const outcome = result.promoted ? `promoted → ${result.name}@${result.manifest?.version}` : 'champion kept';
  return `${head}\n  holdout ${new Date(result.holdout.from).toISOString()} … ${new Date(result.holdout.to).toISOString()} (${result.holdout.samples} samples); ${scores}\n  ${outcome}\n`;
};

/**
 * `quantum learn`: continuous learning. Each round trains a challenger on the config's data and
 * promotes it over the champion (the name's newest version) only if it scores better on the same
 * holdout (`runChallenge`); a running pipeline that names the model without `@version` picks the
 * new version up at its next candle. Once by default; `--every 24h` repeats on a schedule;
 * `--on-findings` also runs a round whenever the model supervisor of a running engine reports
 * drift or accuracy decay for the model (read from its Redis stream at `REDIS_URL`).
 */
export const registerLearnCommand = (program: Command): void => {
  program
    .command('learn')
    .description(
      'continuous learning: train a challenger, promote it only if it beats the champion on a holdout',
    )
    .option(
      '-c, --config <file>',
      'pipeline YAML: data, features and the training section (default: embedded)',
    )
    .requiredOption('-m, --model <model>', 'the trainer: gbdt, lightgbm, nhits or patchtst')
    .requiredOption('--name <name>', 'registry name: its newest version is the champion')
    .option('-d, --data <path>', 'kline file or folder (e.g. refreshed by `quantum data download`)')
    .option('--root <dir>', 'model registry root', DEFAULT_MODELS_ROOT)
    .option('--holdout <fraction>', 'share of the latest time both models are scored on', '0.2')
    .option(
      '--min-improvement <fraction>',
      'the challenger must lower the holdout log loss by this share',
      '0',
    )
    .option('--every <duration>', 'run a round every so long (e.g. 24h), until stopped')
    .option('--on-findings', 'also run a round when the supervisor reports drift or accuracy decay (Redis)')
    .option('--vote <model>', 'the model name on the votes the supervisor judges (default: --name)')
    .option(
      '--finding-cooldown <duration>',
      'after a round for a finding, ignore further findings this long (the supervisor repeats a finding at every evaluation while it lasts)',
      '6h',
    )
    .option('--shard <tag>', "the engine's Redis shard (hash tag), as its services use")
    .action(async (flags: LearnFlags) => {
      // Loaded here: the neural trainers bring tfjs, which other commands do not need.
      const [{ runChallenge }, { trainerOf }] = await Promise.all([
        import('../training/challenge.js'),
        import('../training/trainer.js'),
        import('../training/trainers.js'),
      ]);
      trainerOf(flags.model);
      const config = loadPipelineConfig(flags.config);
      const holdoutFraction = fraction(flags.holdout, '--holdout');
      const minImprovement = fraction(flags.minImprovement, '--min-improvement');
      const everyMs = parseDuration(flags.every, '--every');
      const cooldownMs = parseDuration(flags.findingCooldown, '--finding-cooldown') ?? 0;
      const round = async (reason: string): Promise<void> => {
        const result = await runChallenge({
          config,
          configPath: flags.config,
          dataPath: flags.data,
          root: flags.root,
          model: flags.model,
          name: flags.name,
          holdoutFraction,
          minImprovement,
          reason,
          createdTs: Date.now(),
          out: (text) => process.stdout.write(text),
          warn: (text) => process.stderr.write(text),
        });
        process.stdout.write(describe(result));
      };
      await round('manual');
      if (everyMs === undefined && flags.onFindings !== true) return;
      await new Promise<void>((resolve) => {
        let stopping = false;
        let busy: Promise<void> = Promise.resolve();
        // Rounds never overlap: a finding during a round waits for it.
        const queue = (reason: string): void => {
          busy = busy
            .then(() => round(reason))
            .catch((error: Error) => {
              process.stderr.write(`learn: round failed: ${error.message}\n`);
            });
        };
        const timer = everyMs === undefined ? undefined : setInterval(() => queue('schedule'), everyMs);
        const url = redisUrlOf();
        const redis = flags.onFindings === true ? connectRedis(url, 'quantum-learn') : undefined;
        const stop = (): void => {
          stopping = true;
          if (timer !== undefined) clearInterval(timer);
          if (redis !== undefined) closeQuietly(redis);
          void busy.then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (redis === undefined) return;
        const stream = keyspace(flags.shard).stream(TOPICS.modelSupervisor);
        const vote = flags.vote ?? flags.name;
        void (async () => {
          // From the stream's newest entry as it is now (not `$`, which means "from when the first
          // read reaches Redis"): a finding published once "watching" is printed is never missed.
          const newest = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1).catch(() => [])) as [
            string,
            string[],
          ][];
          let last = newest[0]?.[0] ?? '0-0';
          process.stderr.write(`learn: watching ${stream} on ${shownUrl(url)} for findings about ${vote}\n`);
          // Wall time (a command, not the engine): findings before this are not acted on again.
          let quietUntil = 0;
          while (!stopping) {
            const answer = (await redis.xread('BLOCK', 5000, 'STREAMS', stream, last).catch(() => null)) as
              | [string, [string, string[]][]][]
              | null;
            for (const [, entries] of answer ?? []) {
              for (const [id, list] of entries) {
                last = id;
                const decoded = parseEnvelopeFields(fieldsOf(list));
                if (!decoded.ok || decoded.value.event.kind !== 'model-finding-raised') continue;
                const finding = decoded.value.event as ModelFindingRaised;
                const now = Date.now();
                if (finding.model === vote && RETRAIN_FINDINGS.has(finding.finding) && now >= quietUntil) {
                  quietUntil = now + cooldownMs;
                  queue(`supervisor: ${finding.reason}`);
                }
              }
            }
          }
        })();
      });
    });
};
