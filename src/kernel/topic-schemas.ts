import { z } from 'zod';
import {
  type BusEvent,
  CancelOrder,
  ConnectVenue,
  ExecutionResult,
  Fill,
  FundingPaid,
  Kline,
  OrderRequest,
  OrderSubmitted,
  PositionLiquidated,
  Tick,
} from '../domain/index.js';
import { TOPICS, type Topic } from './topics.js';

/**
 * What may enter each topic from outside the process (DESIGN.md rule 5: validation at the
 * boundary only). Topics without a schema take no external events.
 */
const EXTERNAL_SCHEMAS: Partial<Record<Topic, z.ZodType>> = {
  [TOPICS.klines]: Kline,
  [TOPICS.ticks]: Tick,
  [TOPICS.executionCommands]: z.union([OrderRequest, CancelOrder, ConnectVenue]),
  [TOPICS.executionResult]: z.union([ExecutionResult, Fill, FundingPaid, PositionLiquidated, OrderSubmitted]),
};

/** Parsed, or the reason in words with the path of every problem. */
export const parseExternal = (
  raw: unknown,
  topic: Topic,
): { readonly ok: true; readonly event: BusEvent } | { readonly ok: false; readonly reason: string } => {
  const schema = EXTERNAL_SCHEMAS[topic];
  if (schema === undefined) return { ok: false, reason: `topic ${topic} accepts no external events` };
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data as BusEvent };
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`);
  return { ok: false, reason: `malformed event on ${topic}: ${problems.join('; ')}` };
};
