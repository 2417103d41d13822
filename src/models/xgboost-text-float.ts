/**
 * Text → float32 exactly as the XGBoost CLI reads libsvm/CSV files (`dmlc::ParseFloat<float>`,
 * dmlc-core strtonum.h). It is NOT correctly rounded: the integer part and the fraction are
 * rounded to float32 separately and then added in float32, so "1.8662524859233933" becomes
 * 1.86625230 where `Math.fround(1.8662524859233933)` is 1.86625254 — one float32 step apart.
 * Near a split threshold that flips a branch. `quantum models predict` parses libsvm with this so
 * its output equals `xgboost task=pred` on the same file; models fed from memory (the engine, or
 * Python passing float64 arrays) see `Math.fround(value)` instead, which is what XGBoost does with
 * in-memory data.
 *
 * Handles: sign, `inf`/`infinity`/`nan` (any case), up to 19 fraction digits (more are ignored,
 * as dmlc does), an `e`/`E` exponent applied by float32 multiplication/division by powers of 10.
 * @returns the float32 value as a number; NaN when the text has no number
 */
export const parseXgboostFloat = (text: string): number => {
  const f32 = Math.fround;
  let p = 0;
  while (p < text.length && (text[p] === ' ' || text[p] === '\t')) p++;
  let negative = false;
  if (text[p] === '-' || text[p] === '+') negative = text[p++] === '-';
  const rest = text.slice(p).toLowerCase();
  if (rest.startsWith('inf')) return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (rest.startsWith('nan')) return Number.NaN;

  const intStart = p;
  while (p < text.length && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57) p++;
  const intDigits = text.slice(intStart, p);
  let value = f32(uint64ToNumber(intDigits));
  let sawDigits = intDigits.length > 0;
  if (text[p] === '.') {
    p++;
    const fracStart = p;
    while (p < text.length && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57) p++;
    // dmlc keeps at most 19 fraction digits (kStrtofMaxDigits) and ignores the rest.
    const fracDigits = text.slice(fracStart, Math.min(p, fracStart + 19));
    sawDigits ||= fracDigits.length > 0;
    if (fracDigits.length > 0) {
      // uint64 → double (correctly rounded), divided by 10^digits in double, then to float32.
      value = f32(value + f32(uint64ToNumber(fracDigits) / POW10[fracDigits.length]));
    }
  }
  if (!sawDigits) return Number.NaN;
  if (text[p] === 'e' || text[p] === 'E') {
    p++;
    let fraction = false;
    if (text[p] === '-' || text[p] === '+') fraction = text[p++] === '-';
    let exponent = 0;
    while (p < text.length && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57) {
      exponent = exponent * 10 + (text.charCodeAt(p) - 48);
      p++;
    }
    exponent = Math.min(exponent, 38);
    let scale = 1;
    while (exponent >= 8) {
      scale = f32(scale * 1e8);
      exponent -= 8;
    }
    while (exponent > 0) {
      scale = f32(scale * 10);
      exponent -= 1;
    }
    value = fraction ? f32(value / scale) : f32(value * scale);
  }
  return negative ? -value : value;
};

/** 10^n as exact doubles, parsed from text (`**` on large exponents may be off by one ulp). */
const POW10 = Array.from({ length: 20 }, (_, n) => Number(`1e${n}`));

/** Digits of a uint64 → the nearest double, as C++'s `static_cast<double>(uint64_t)` rounds. */
const uint64ToNumber = (digits: string): number => {
  if (digits.length === 0) return 0;
  // Up to 15 digits is below 2^53: exact as a double already.
  if (digits.length <= 15) return Number(digits);
  return Number(BigInt(digits) & 0xffffffffffffffffn);
};

/**
 * Text that the XGBoost CLI (`parseXgboostFloat`) reads back as exactly `Math.fround(value)`, the
 * float32 our engine feeds the model for the same value — so a model trained by the CLI on a
 * libsvm export sees the very numbers the engine will predict on. Writing the full double
 * (`String(value)`) does not do that: about 1.5 % of values land one float32 step away, which
 * moves a row across a split threshold now and then (seen in the round-trip test).
 * Why it works: the float32's own shortest text splits into an integer part and a fraction that
 * are each exactly float32, so dmlc's two roundings are exact; tiny values are written without an
 * exponent (dmlc applies exponents by float32 multiplication, which rounds). Exact for 0 and
 * 1e-10 ≤ |value| < 2^64 (dmlc's integer part is a uint64); outside, it may be a step off.
 */
export const formatXgboostFloat = (value: number): string => {
  const single = Math.fround(value);
  const text = String(single);
  if (!text.includes('e') || !Number.isFinite(single)) return text;
  // |x| < 1e-6 prints with an exponent: spell it out with the 19 fraction digits dmlc reads.
  if (Math.abs(single) < 1) return single.toFixed(19).replace(/0+$/, '');
  // ≥ 1e21: an integer-valued float32; every digit fits dmlc's uint64 below 2^64. Above, dmlc
  // overflows whatever the text, so keep the shortest form.
  return Math.abs(single) < 2 ** 64 ? BigInt(single).toString() : text;
};
