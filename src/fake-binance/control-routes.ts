import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatConfigIssues } from '../pipeline/config-errors.js';
import { type FaultChange, type Faults, faultChange } from './fake-faults.js';
import type { FakeVenue, IncomeType } from './fake-venue.js';

/**
 * The fake server's own control API, beside Binance's routes (not part of Binance's API, never
 * weighed, never signed): move the path, switch faults, read the venue's ledger.
 * - `POST /fake/step?n=1` → `{ moved, revealed, remaining, time }`
 * - `POST /fake/faults` with a JSON `FaultChange` body → the faults now in force
 * - `GET /fake/ledger` → wallet, income by type (summing to the wallet), positions, orders, faults
 * The two POSTs need the configured API key in `X-MBX-APIKEY` (else 401 `QT_FAKE_API_KEY`); a bad
 * fault body answers 400 `QT_FAKE_FAULTS_INVALID` naming the key.
 */

export interface FakeControl {
  readonly apiKey: string;
  readonly venue: FakeVenue;
  readonly faults: Readonly<Faults>;
  weightLimit(): number;
  readonly refused: { readonly tooMany: number; readonly banned: number };
  readonly requests: ReadonlyMap<string, number>;
  step(n: number): number;
  applyFaults(change: FaultChange): void;
}

const INCOME_TYPES: readonly IncomeType[] = ['TRANSFER', 'REALIZED_PNL', 'COMMISSION', 'FUNDING_FEE'];

/** The venue's books as one JSON object (amounts in USDT, rounded to 1e-8 as Binance reports them). */
export const ledgerOf = (control: FakeControl): object => {
  const { venue } = control;
  const round = (value: number): number => Math.round(value * 1e8) / 1e8;
  const incomeByType = Object.fromEntries(INCOME_TYPES.map((type) => [type, 0])) as Record<
    IncomeType,
    number
  >;
  for (const record of venue.income) incomeByType[record.incomeType] += record.income;
  const incomeTotal = INCOME_TYPES.reduce((sum, type) => sum + incomeByType[type], 0);
  return {
    time: venue.time(),
    revealed: venue.revealedCount(),
    remaining: venue.remaining(),
    walletUsdt: round(venue.wallet),
    availableUsdt: round(venue.availableBalance()),
    unrealizedUsdt: round(venue.totalUnrealized()),
    incomeByType: Object.fromEntries(INCOME_TYPES.map((type) => [type, round(incomeByType[type])])),
    incomeTotalUsdt: round(incomeTotal),
    positions: [...venue.positions.values()].map((position) => ({
      symbol: position.symbol,
      amt: position.amt,
      entryPrice: position.entryPrice,
      markPrice: venue.priceOf(position.symbol),
      unrealizedUsdt: round(venue.unrealized(position)),
      leverage: position.leverage,
    })),
    openOrders: venue.openOrders().length,
    openAlgoOrders: venue.openAlgoOrders().length,
    trades: venue.trades.length,
    faults: control.faults,
    weightLimit: control.weightLimit(),
    refused: control.refused,
    requests: Object.fromEntries(control.requests),
  };
};

/** Register the control routes on the fake server's fastify instance. */
export const registerControlRoutes = (app: FastifyInstance, control: FakeControl): void => {
  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.headers['x-mbx-apikey'] === control.apiKey) return true;
    reply.code(401).send({
      code: 'QT_FAKE_API_KEY',
      msg: 'the control API needs the configured API key in the X-MBX-APIKEY header',
    });
    return false;
  };

  app.post<{ Querystring: { n: number } }>(
    '/fake/step',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { n: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      if (!authorized(request, reply)) return reply;
      const moved = control.step(request.query.n);
      const { venue } = control;
      return { moved, revealed: venue.revealedCount(), remaining: venue.remaining(), time: venue.time() };
    },
  );

  app.post('/fake/faults', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    let body: unknown;
    try {
      body = JSON.parse(typeof request.body === 'string' && request.body !== '' ? request.body : '{}');
    } catch (error) {
      return reply
        .code(400)
        .send({ code: 'QT_FAKE_FAULTS_INVALID', msg: `body: not JSON (${(error as Error).message})` });
    }
    const parsed = faultChange.safeParse(body);
    if (!parsed.success) {
      const issues = formatConfigIssues(faultChange, parsed.error.issues, body);
      return reply.code(400).send({ code: 'QT_FAKE_FAULTS_INVALID', msg: issues.join('; ') });
    }
    control.applyFaults(parsed.data);
    return { faults: control.faults, weightLimit: control.weightLimit() };
  });

  app.get('/fake/ledger', async () => ledgerOf(control));
};
