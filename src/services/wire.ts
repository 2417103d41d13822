import { z } from 'zod';
import {
  AccountStatusReport,
  type BusEvent,
  CancelOrder,
  ConnectVenue,
  DeadLetter,
  EndOfData,
  ExecutionResult,
  FeatureVector,
  Fill,
  FundingPaid,
  KillSwitchTripped,
  Kline,
  ModelFindingRaised,
  ModelPerformanceMeasured,
  ModelPrediction,
  OrderDenied,
  OrderRequest,
  OrderSubmitted,
  PortfolioSnapshot,
  PositionAssessed,
  PositionLiquidated,
  PositionStatusReport,
  ReconciliationCompleted,
  RegimeChanged,
  Signal,
  SizingDecision,
  Tick,
  TimerFired,
  TradeClosed,
  TradeIntent,
  UniverseChanged,
} from '../domain/index.js';
import type { Envelope } from '../kernel/envelope.js';
import { TOPICS, type Topic } from '../kernel/topics.js';

/**
 * The messages between services (DESIGN.md rule 5: validated once, at entry). Every entry carries
 * the wire version `v`; one from another version is refused (dead letter), never guessed at.
 */
export const WIRE_VERSION = '1';

/** Largest message accepted (bytes of JSON); a larger one is a dead letter, not a crash. */
export const MAX_MESSAGE_BYTES = 1_048_576;

const EVENT_SCHEMAS: Readonly<Record<BusEvent['kind'], z.ZodType>> = {
  kline: Kline,
  tick: Tick,
  'feature-vector': FeatureVector,
  'model-prediction': ModelPrediction,
  signal: Signal,
  'model-finding-raised': ModelFindingRaised,
  'model-performance-measured': ModelPerformanceMeasured,
  'regime-changed': RegimeChanged,
  'universe-changed': UniverseChanged,
  'position-assessed': PositionAssessed,
  'trade-intent': TradeIntent,
  'sizing-decision': SizingDecision,
  'order-denied': OrderDenied,
  'kill-switch-tripped': KillSwitchTripped,
  'order-request': OrderRequest,
  'cancel-order': CancelOrder,
  'order-submitted': OrderSubmitted,
  'execution-result': ExecutionResult,
  fill: Fill,
  'funding-paid': FundingPaid,
  'position-liquidated': PositionLiquidated,
  'trade-closed': TradeClosed,
  'portfolio-snapshot': PortfolioSnapshot,
  'account-status-report': AccountStatusReport,
  'position-status-report': PositionStatusReport,
  'reconciliation-completed': ReconciliationCompleted,
  'timer-fired': TimerFired,
  'end-of-data': EndOfData,
  'connect-venue': ConnectVenue,
  'dead-letter': DeadLetter,
};

const TOPIC_NAMES = new Set<string>(Object.values(TOPICS));
const TopicName = z.string().refine((name) => TOPIC_NAMES.has(name), { message: 'unknown topic' });

const WireEnvelope = z.object({
  id: z.string().min(1),
  topic: TopicName,
  causeId: z.string().optional(),
  tsEvent: z.number().finite(),
  tsInit: z.number().finite(),
  origin: z.string(),
  event: z.unknown(),
});

/** A timer a remote stage set or cancelled while handling a delivery. */
const TimerOp = z.union([
  z.object({
    op: z.literal('set'),
    owner: z.string(),
    name: z.string(),
    atMs: z.number().finite(),
    periodMs: z.number().finite().optional(),
  }),
  z.object({ op: z.literal('cancel'), owner: z.string(), name: z.string() }),
]);
export type TimerOp = z.infer<typeof TimerOp>;

const WireReply = z.object({
  emissions: z.array(z.object({ topic: TopicName, event: z.unknown() })),
  timers: z.array(TimerOp).optional(),
  error: z.string().optional(),
});

/** What a stage answered to one delivery: what it emitted (in order), its timers, or its failure. */
export interface Reply {
  readonly emissions: readonly { readonly topic: Topic; readonly event: BusEvent }[];
  readonly timers?: readonly TimerOp[];
  /** The handler threw: its message (the conductor's kernel makes the dead letter). */
  readonly error?: string;
}

/** One delivery to a stage: the envelope to handle and the kernel clock's time then. */
export interface Delivery {
  readonly deliveryId: string;
  readonly nowMs: number;
  readonly envelope: Envelope;
}

export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

const refused = <T>(reason: string): Decoded<T> => ({ ok: false, reason });

/** A bus event from the wire, checked against the schema of its kind. */
export const parseEvent = (raw: unknown): Decoded<BusEvent> => {
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string') return refused('event has no kind');
  const schema = Object.hasOwn(EVENT_SCHEMAS, kind) ? EVENT_SCHEMAS[kind as BusEvent['kind']] : undefined;
  if (schema === undefined) return refused(`unknown event kind "${kind.slice(0, 60)}"`);
  const result = schema.safeParse(raw);
  return result.success
    ? { ok: true, value: result.data as BusEvent }
    : refused(issuesOf(kind, result.error));
};

const issuesOf = (what: string, error: z.ZodError): string =>
  `${what}: ${error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`)
    .join('; ')}`;

/** Fields of a stream entry (`[k1, v1, k2, v2, …]`) as a record. */
export const fieldsOf = (flat: readonly string[] | null): Record<string, string> => {
  const fields: Record<string, string> = {};
  if (flat === null) return fields;
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return fields;
};

/** JSON from a field, refused when missing, too large or not JSON. */
const jsonField = (fields: Record<string, string>, name: string): Decoded<unknown> => {
  const version = fields.v;
  if (version !== WIRE_VERSION) {
    return refused(
      version === undefined
        ? 'message has no wire version (v)'
        : `wire version ${version.slice(0, 20)} is not ${WIRE_VERSION}`,
    );
  }
  const text = fields[name];
  if (text === undefined) return refused(`message has no field "${name}"`);
  if (text.length > MAX_MESSAGE_BYTES) {
    return refused(`message of ${text.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`);
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return refused(`field "${name}" is not JSON: ${(error as Error).message}`);
  }
};

/** An envelope from its wire form. */
export const parseEnvelope = (raw: unknown): Decoded<Envelope> => {
  const shape = WireEnvelope.safeParse(raw);
  if (!shape.success) return refused(issuesOf('envelope', shape.error));
  const event = parseEvent(shape.data.event);
  if (!event.ok) return event;
  const { id, topic, causeId, tsEvent, tsInit, origin } = shape.data;
  return {
    ok: true,
    value: { id, topic: topic as Topic, causeId, tsEvent, tsInit, origin, event: event.value },
  };
};

/** Stream fields of a delivery. */
export const deliveryFields = (delivery: Delivery): string[] => [
  'v',
  WIRE_VERSION,
  'd',
  delivery.deliveryId,
  't',
  String(delivery.nowMs),
  'e',
  JSON.stringify(envelopeJson(delivery.envelope)),
];

/** A delivery from its stream fields. */
export const parseDelivery = (fields: Record<string, string>): Decoded<Delivery> => {
  const body = jsonField(fields, 'e');
  if (!body.ok) return body;
  const deliveryId = fields.d;
  if (deliveryId === undefined || deliveryId.length === 0) return refused('delivery has no id (d)');
  const nowMs = Number(fields.t);
  if (!Number.isFinite(nowMs)) return refused('delivery has no clock time (t)');
  const envelope = parseEnvelope(body.value);
  return envelope.ok ? { ok: true, value: { deliveryId, nowMs, envelope: envelope.value } } : envelope;
};

/** Stream fields of a reply. */
export const replyFields = (deliveryId: string, reply: Reply): string[] => [
  'v',
  WIRE_VERSION,
  'd',
  deliveryId,
  'r',
  JSON.stringify(reply),
];

/** A reply from its stream fields. */
export const parseReply = (
  fields: Record<string, string>,
): Decoded<{ readonly deliveryId: string; readonly reply: Reply }> => {
  const body = jsonField(fields, 'r');
  if (!body.ok) return body;
  const deliveryId = fields.d;
  if (deliveryId === undefined) return refused('reply has no delivery id (d)');
  const shape = WireReply.safeParse(body.value);
  if (!shape.success) return refused(issuesOf('reply', shape.error));
  const emissions: { topic: Topic; event: BusEvent }[] = [];
  for (const emission of shape.data.emissions) {
    const event = parseEvent(emission.event);
    if (!event.ok) return event;
    emissions.push({ topic: emission.topic as Topic, event: event.value });
  }
  const { timers, error } = shape.data;
  return {
    ok: true,
    value: {
      deliveryId,
      reply: {
        emissions,
        ...(timers === undefined ? {} : { timers }),
        ...(error === undefined ? {} : { error }),
      },
    },
  };
};

/** Fields of a topic-stream or journal entry. */
export const envelopeFields = (envelope: Envelope): string[] => [
  'v',
  WIRE_VERSION,
  'id',
  envelope.id,
  'e',
  JSON.stringify(envelopeJson(envelope)),
];

/** An envelope from a topic-stream or journal entry. */
export const parseEnvelopeFields = (fields: Record<string, string>): Decoded<Envelope> => {
  const body = jsonField(fields, 'e');
  return body.ok ? parseEnvelope(body.value) : body;
};

/** Plain data of an envelope (its getters read once). */
export const envelopeJson = (envelope: Envelope): Envelope => ({
  id: envelope.id,
  topic: envelope.topic,
  causeId: envelope.causeId,
  tsEvent: envelope.tsEvent,
  tsInit: envelope.tsInit,
  origin: envelope.origin,
  event: envelope.event,
});

/** A raw message as dead-letter payload: bounded, whatever it holds. */
export const rawPayloadOf = (fields: Record<string, string>): string => {
  const text = JSON.stringify(fields);
  return text.length > 4000 ? `${text.slice(0, 4000)}… (${text.length} bytes)` : text;
};

/**
 * The dead letter of a refused stream entry, as an envelope for the dlq stream: it names the
 * stream, the entry and the service that refused it, with the reason and the raw payload.
 */
export const refusedEnvelope = (
  stream: string,
  entry: { readonly id: string; readonly fields: Record<string, string> },
  service: string,
  reason: string,
): Envelope<DeadLetter> => ({
  id: `dead-letter:${stream}:${entry.id}`,
  topic: TOPICS.dlq,
  causeId: undefined,
  tsEvent: 0,
  tsInit: 0,
  origin: service,
  event: {
    kind: 'dead-letter',
    origin: `stream ${stream} entry ${entry.id} (service ${service})`,
    reason,
    payload: rawPayloadOf(entry.fields),
  },
});
