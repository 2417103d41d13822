import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';

/**
 * Feature names: lower case `kind_param_param…` (`ema_12`, `macd_signal_12_26_9`, `bb_upper_20_2.5`,
 * `obv`). This module parses and validates them, tells each feature's warm-up, and says which
 * features share one computation. It knows no indicator code: `indicators/feature-engine.ts` builds
 * the indicators from the specs parsed here.
 */

/** Which indicator computes a feature; features with the same family and parameters share one instance. */
export type FeatureFamily =
  | 'ema'
  | 'sma'
  | 'wma'
  | 'rsi'
  | 'macd'
  | 'atr'
  | 'dmi'
  | 'bb'
  | 'roc'
  | 'cci'
  | 'willr'
  | 'stoch'
  | 'mfi'
  | 'obv'
  | 'logret'
  | 'rvol'
  | 'volz';

/** A parsed, validated feature name. */
export interface FeatureSpec {
  /** The name as written (also the column name). */
  readonly name: string;
  /** The name's kind (`macd_signal`, `bb_upper`, `plus_di`, …). */
  readonly kind: string;
  readonly family: FeatureFamily;
  /** Numeric parameters in name order (periods; Bollinger's nbdev may be decimal). */
  readonly params: readonly number[];
  /** Key of the shared computation, e.g. `macd_12_26_9` for all three MACD outputs. */
  readonly computeKey: string;
  /** Index of this feature in its computation's outputs (`StreamingIndicator.out`). */
  readonly outputIndex: number;
  /** TA-Lib lookback: candles consumed before the first value; the first value is at candle index `lookback`. */
  readonly lookback: number;
}

interface ParamRule {
  /** What the parameter is, for messages. */
  readonly label: string;
  /** Smallest allowed value (TA-Lib's minimum for integers). */
  readonly min: number;
  /** Integers only (all but Bollinger's nbdev). */
  readonly integer: boolean;
}

interface KindRule {
  readonly family: FeatureFamily;
  readonly outputIndex: number;
  readonly pattern: string;
  readonly params: readonly ParamRule[];
  readonly lookback: (params: readonly number[]) => number;
}

const period = (min: number, label = 'period'): ParamRule => ({ label, min, integer: true });
const nbdev: ParamRule = {
  label: 'nbdev (band width in standard deviations)',
  min: Number.MIN_VALUE,
  integer: false,
};
const macdParams = [period(2, 'fast period'), period(2, 'slow period'), period(2, 'signal period')];
const macdLookback = (p: readonly number[]) => p[1] - 1 + p[2] - 1;
const stochParams = [period(1, 'fastK period'), period(1, 'smoothing period')];
const stochLookback = (p: readonly number[]) => p[0] - 1 + 2 * (p[1] - 1);
const minusOne = (p: readonly number[]) => p[0] - 1;
const same = (p: readonly number[]) => p[0];

/** Every known kind, with TA-Lib's parameter minimums and lookbacks. */
const KINDS: Readonly<Record<string, KindRule>> = {
  ema: { family: 'ema', outputIndex: 0, pattern: 'ema_N', params: [period(2)], lookback: minusOne },
  sma: { family: 'sma', outputIndex: 0, pattern: 'sma_N', params: [period(2)], lookback: minusOne },
  wma: { family: 'wma', outputIndex: 0, pattern: 'wma_N', params: [period(2)], lookback: minusOne },
  rsi: { family: 'rsi', outputIndex: 0, pattern: 'rsi_N', params: [period(2)], lookback: same },
  macd: { family: 'macd', outputIndex: 0, pattern: 'macd_F_S_G', params: macdParams, lookback: macdLookback },
  macd_signal: {
    family: 'macd',
    outputIndex: 1,
    pattern: 'macd_signal_F_S_G',
    params: macdParams,
    lookback: macdLookback,
  },
  macd_hist: {
    family: 'macd',
    outputIndex: 2,
    pattern: 'macd_hist_F_S_G',
    params: macdParams,
    lookback: macdLookback,
  },
  atr: { family: 'atr', outputIndex: 0, pattern: 'atr_N', params: [period(1)], lookback: same },
  natr: { family: 'atr', outputIndex: 1, pattern: 'natr_N', params: [period(1)], lookback: same },
  adx: {
    family: 'dmi',
    outputIndex: 0,
    pattern: 'adx_N',
    params: [period(2)],
    lookback: (p) => 2 * p[0] - 1,
  },
  plus_di: { family: 'dmi', outputIndex: 1, pattern: 'plus_di_N', params: [period(2)], lookback: same },
  minus_di: { family: 'dmi', outputIndex: 2, pattern: 'minus_di_N', params: [period(2)], lookback: same },
  bb_upper: {
    family: 'bb',
    outputIndex: 0,
    pattern: 'bb_upper_N_K',
    params: [period(2), nbdev],
    lookback: minusOne,
  },
  bb_middle: {
    family: 'bb',
    outputIndex: 1,
    pattern: 'bb_middle_N_K',
    params: [period(2), nbdev],
    lookback: minusOne,
  },
  bb_lower: {
    family: 'bb',
    outputIndex: 2,
    pattern: 'bb_lower_N_K',
    params: [period(2), nbdev],
    lookback: minusOne,
  },
  roc: { family: 'roc', outputIndex: 0, pattern: 'roc_N', params: [period(1)], lookback: same },
  cci: { family: 'cci', outputIndex: 0, pattern: 'cci_N', params: [period(2)], lookback: minusOne },
  willr: { family: 'willr', outputIndex: 0, pattern: 'willr_N', params: [period(2)], lookback: minusOne },
  stoch_k: {
    family: 'stoch',
    outputIndex: 0,
    pattern: 'stoch_k_N_M',
    params: stochParams,
    lookback: stochLookback,
  },
  stoch_d: {
    family: 'stoch',
    outputIndex: 1,
    pattern: 'stoch_d_N_M',
    params: stochParams,
    lookback: stochLookback,
  },
  mfi: { family: 'mfi', outputIndex: 0, pattern: 'mfi_N', params: [period(2)], lookback: same },
  obv: { family: 'obv', outputIndex: 0, pattern: 'obv', params: [], lookback: () => 0 },
  logret: { family: 'logret', outputIndex: 0, pattern: 'logret_N', params: [period(1)], lookback: same },
  rvol: { family: 'rvol', outputIndex: 0, pattern: 'rvol_N', params: [period(2)], lookback: same },
  volz: { family: 'volz', outputIndex: 0, pattern: 'volz_N', params: [period(2)], lookback: minusOne },
};

/** Every accepted name pattern (N, F, S, G, M integer periods; K a positive decimal), for help and messages. */
export const KNOWN_FEATURE_PATTERNS: readonly string[] = Object.freeze(
  Object.values(KINDS).map((k) => k.pattern),
);

/**
 * The default feature set (18 features, 8 computations): trend (EMA 12/26, MACD 12/26/9),
 * momentum (RSI 14, ROC 10), volatility (ATR/NATR 14, Bollinger 20/2, realized vol 20), trend
 * strength (ADX/±DI 14), and the 1-candle log return and volume z-score.
 */
export const DEFAULT_FEATURES: readonly string[] = Object.freeze([
  'ema_12',
  'ema_26',
  'rsi_14',
  'macd_12_26_9',
  'macd_signal_12_26_9',
  'macd_hist_12_26_9',
  'atr_14',
  'natr_14',
  'adx_14',
  'plus_di_14',
  'minus_di_14',
  'bb_upper_20_2',
  'bb_middle_20_2',
  'bb_lower_20_2',
  'roc_10',
  'logret_1',
  'rvol_20',
  'volz_20',
]);

/** Lower-case letters, digits, `_`, `.` and `-` (the last only to give a clear message for negative periods). */
const NAME_SHAPE = /^[a-z][a-z0-9_.-]*$/;
const NUMBER_SHAPE = /^\d+(?:\.\d+)?$/;

const fail = (path: string, message: string): never => {
  throw new ConfigError(`${path}: ${message}`, path);
};

/**
 * Parses and validates one feature name. `path` names the place in the config for messages
 * (`features[3]`). Throws `ConfigError` (code QT_CONFIG_INVALID) on an unknown kind, a wrong
 * parameter count, a parameter below TA-Lib's minimum or not an integer, or MACD fast ≥ slow.
 */
export const parseFeatureName = (name: string, path = 'features'): FeatureSpec => {
  const known = `known: ${KNOWN_FEATURE_PATTERNS.join(', ')}`;
  if (!NAME_SHAPE.test(name)) {
    return fail(path, `"${name}" is not a feature name (lower case kind_param…, e.g. ema_12); ${known}`);
  }
  // The kind is the longest run of leading `_`-segments that names a known kind (`macd_signal`
  // before `macd`); the remaining segments are the parameters.
  const allSegments = name.split('_');
  let kindLength = allSegments.length;
  while (kindLength > 0 && !Object.hasOwn(KINDS, allSegments.slice(0, kindLength).join('_'))) kindLength--;
  if (kindLength === 0) return fail(path, `unknown feature "${name}"; ${known}`);
  const kind = allSegments.slice(0, kindLength).join('_');
  const rule = KINDS[kind];
  const segments = allSegments.slice(kindLength);
  if (segments.length !== rule.params.length) {
    return fail(
      path,
      `"${name}": ${kind} takes ${rule.params.length} parameter(s) (${rule.pattern}), got ${segments.length}`,
    );
  }
  const params = segments.map((segment, i) => {
    const paramRule = rule.params[i];
    const value = NUMBER_SHAPE.test(segment) ? Number(segment) : Number.NaN;
    if (paramRule.integer && !(Number.isSafeInteger(value) && value >= paramRule.min && value <= 100_000)) {
      fail(path, `"${name}": ${paramRule.label} must be an integer ≥ ${paramRule.min}, got "${segment}"`);
    }
    if (!paramRule.integer && !(Number.isFinite(value) && value > 0)) {
      fail(
        path,
        `"${name}": ${paramRule.label} must be a positive number such as 2 or 2.5, got "${segment}"`,
      );
    }
    return value;
  });
  if (rule.family === 'macd' && params[0] >= params[1]) {
    fail(path, `"${name}": MACD fast period (${params[0]}) must be smaller than slow period (${params[1]})`);
  }
  const computeKey = params.length === 0 ? rule.family : `${rule.family}_${params.join('_')}`;
  return {
    name,
    kind,
    family: rule.family,
    params,
    computeKey,
    outputIndex: rule.outputIndex,
    lookback: rule.lookback(params),
  };
};

/**
 * Parses a whole feature list, `features[i]` as the path of each entry (under `basePath`).
 * Throws `ConfigError` on the first bad name, or on a duplicate name (two columns with one name).
 */
export const parseFeatureNames = (names: readonly string[], basePath = 'features'): FeatureSpec[] => {
  const seen = new Set<string>();
  return names.map((name, i) => {
    const path = `${basePath}[${i}]`;
    if (seen.has(name)) fail(path, `"${name}" is listed twice; each feature may appear once`);
    seen.add(name);
    return parseFeatureName(name, path);
  });
};

/** TA-Lib lookback of a feature name (throws `ConfigError` on a bad name). */
export const featureLookback = (name: string): number => parseFeatureName(name).lookback;

/**
 * `{ features: string[] }`, default `DEFAULT_FEATURES`; each name is validated with its path
 * (`features[3]: unknown feature "rsx_14"; known: …`). Unknown keys are rejected.
 */
export const featureParams = z
  .object({
    features: z
      .array(z.string())
      .min(1)
      .default(() => [...DEFAULT_FEATURES]),
  })
  .strict()
  .superRefine((params, ctx) => {
    const seen = new Set<string>();
    params.features.forEach((name, i) => {
      try {
        if (seen.has(name)) throw new ConfigError(`"${name}" is listed twice; each feature may appear once`);
        seen.add(name);
        parseFeatureName(name, `features[${i}]`);
      } catch (error) {
        const message =
          error instanceof Error ? error.message.replace(/^features\[\d+\]: /, '') : String(error);
        ctx.addIssue({ code: 'custom', path: ['features', i], message });
      }
    });
  });
export type FeatureParams = z.output<typeof featureParams>;

/**
 * `featureParams.parse` that throws `ConfigError` (not a ZodError) listing each bad entry as
 * `features[i]: message`, for factories that take `{ features }` directly from code or config.
 */
export const parseFeatureParams = (input: z.input<typeof featureParams>): FeatureParams => {
  const result = featureParams.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = issue.path
      .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
      .join('');
    return `${where.replace(/^\./, '') || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(lines.join('\n'), lines[0]?.split(':')[0]);
};
