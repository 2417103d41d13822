import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
};

/** `risk.maxLeverage`, `models[1].weight`: how a config path reads in a message. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((node, key) => {
    if (node === null || typeof node !== 'object') return undefined;
    return (node as Record<PropertyKey, unknown>)[key as string];
  }, input);

/** Whether an object alternative fits what the user wrote: its literal keys (`type: xgboost`) agree. */
const fitsInput = (option: JsonSchema, value: unknown): boolean => {
  if (!option.properties || value === null || typeof value !== 'object') return true;
  return Object.entries(option.properties).every(([key, property]) => {
    const given = (value as Record<string, unknown>)[key];
    return property.const === undefined || given === undefined || given === property.const;
  });
};

/**
 * The JSON schema node at a config path. In a union (the model entries), the alternatives whose
 * literal keys match the input are followed, so `models[0].params` of an ema-rsi entry is the
 * ema-rsi params; when several still fit (or none has literals), all of them are kept as `anyOf`,
 * so `models[0].type` lists every model type.
 */
const schemaAt = (root: JsonSchema, path: readonly PropertyKey[], input: unknown): JsonSchema | undefined => {
  let node: JsonSchema | undefined = root;
  let value: unknown = input;
  for (const key of path) {
    if (node === undefined) return undefined;
    const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
    const fitting = alternatives.filter((option) => fitsInput(option, value));
    const options: JsonSchema[] = [node, ...(fitting.length > 0 ? fitting : alternatives)];
    const next: JsonSchema[] = [];
    for (const option of options) {
      const child = typeof key === 'number' ? option.items : option.properties?.[String(key)];
      if (child && !next.includes(child)) next.push(child);
    }
    node = next.length > 1 ? { anyOf: next } : next[0];
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[key as string]
        : undefined;
  }
  return node;
};

const describeValue = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Plain words for what a JSON schema node accepts: "a number ≤ 125", "one of fixed-fraction, atr-stop". */
export const describeExpected = (schema: JsonSchema | undefined): string | undefined => {
  if (!schema) return undefined;
  if (schema.enum) return `one of ${schema.enum.map((v) => String(v)).join(', ')}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const parts = alternatives.map(describeExpected).filter((p): p is string => p !== undefined);
    const distinct = [...new Set(parts)];
    // Literals read as a list: `one of "ema-rsi", "macd-adx", "xgboost"`.
    if (distinct.length > 1 && alternatives.every((a) => a.const !== undefined))
      return `one of ${distinct.join(', ')}`;
    return distinct.length > 0 ? distinct.join(' or ') : undefined;
  }
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null')[0] : schema.type;
  const bounds: string[] = [];
  // zod's int() adds ±MAX_SAFE_INTEGER bounds that say nothing to a reader.
  const shown = (bound: number | undefined): bound is number => bound !== undefined && Math.abs(bound) < 9e15;
  if (shown(schema.minimum)) bounds.push(`≥ ${schema.minimum}`);
  if (shown(schema.exclusiveMinimum)) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (shown(schema.maximum)) bounds.push(`≤ ${schema.maximum}`);
  if (shown(schema.exclusiveMaximum)) bounds.push(`< ${schema.exclusiveMaximum}`);
  const noun =
    type === 'integer'
      ? 'an integer'
      : type === 'number'
        ? 'a number'
        : type === 'string'
          ? 'a string'
          : type === 'boolean'
            ? 'true or false'
            : type === 'array'
              ? 'a list'
              : type === 'object'
                ? 'a mapping'
                : undefined;
  if (!noun) return undefined;
  return bounds.length > 0 ? `${noun} ${bounds.join(' and ')}` : noun;
};

/**
 * Turns zod issues into one line per problem that names the config path, what was expected and
 * what was found: `risk.maxLeverage: expected a number ≤ 125, got "ten"`.
 */
export const formatConfigIssues = (
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): string[] => {
  let root: JsonSchema = {};
  try {
    root = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  } catch {
    // A schema JSON Schema cannot express: fall back to zod's own words below.
  }
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const node = schemaAt(root, issue.path, input);
      const here = valueAt(input, issue.path);
      // A union (a model entry): the keys of the alternatives that fit what was written.
      const alternatives = [...(node?.anyOf ?? []), ...(node?.oneOf ?? [])].filter((o) => fitsInput(o, here));
      const known = [
        ...new Set([node, ...alternatives].flatMap((option) => Object.keys(option?.properties ?? {}))),
      ];
      return issue.keys
        .map((key) => {
          const where = formatPath([...issue.path, key]);
          return `${where}: unknown key${known.length > 0 ? `; expected one of ${known.join(', ')}` : ''}`;
        })
        .join('\n');
    }
    const where = formatPath(issue.path) || '(top level)';
    const got = describeValue(valueAt(input, issue.path));
    // Module validators may already prefix their path (`features[1]: …`); say it once.
    if (issue.code === 'custom')
      return issue.message.startsWith(`${where}: `) ? issue.message : `${where}: ${issue.message}`;
    const expected =
      describeExpected(schemaAt(root, issue.path, input)) ?? issue.message.replace(/^Invalid input: /, '');
    return `${where}: expected ${expected}, got ${got}`;
  });
};

/** Parse `input` with `schema`, or throw a ConfigError listing every bad path (source names the file). */
export const parseConfig = <S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = formatConfigIssues(schema, result.error.issues, input);
  throw new ConfigError(`${source}: invalid pipeline config\n  ${lines.join('\n  ')}`, source);
};
