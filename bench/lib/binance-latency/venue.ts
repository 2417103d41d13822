// The venue of bench/binance-latency.ts: a child process (the venue is another machine in real life:
// it must not share our event loop) serving two fake Binance servers, one per side, that stamps when
// a candle is revealed and when an order arrives; and the bench's handle on that process.
import { type ChildProcess, fork } from 'node:child_process';
import type { Kline } from '../../../src/domain/index.js';
import { type FakeBinance, startFakeBinance } from '../../../src/fake-binance/fake-binance-server.js';
import { AVAX, HISTORY, KEY, loadPath, nowUs, SECRET, sleep, WAIT_MS } from './setup.js';

export type Side = 'ours' | 'floor';
export type VenueMessage =
  | { readonly kind: 'ready'; readonly urls: Record<Side, { restUrl: string; wsUrl: string }> }
  | { readonly kind: 'stepped'; readonly side: Side; readonly sentUs: number }
  | {
      readonly kind: 'order';
      readonly side: Side;
      readonly clientOrderId: string;
      readonly arrivedUs: number;
    };
type VenueCommand = { readonly cmd: 'step'; readonly side: Side } | { readonly cmd: 'close' };

const startVenue = (
  path: readonly Kline[],
  onRequest: (method: string, url: string) => void,
): Promise<FakeBinance> =>
  startFakeBinance({
    onRequest,
    credentials: { apiKey: KEY, secret: SECRET },
    symbols: [
      {
        symbol: AVAX,
        baseAsset: 'AVAX',
        tickSize: 0.001,
        stepSize: 1,
        minQty: 1,
        maxQty: 1e6,
        minNotional: 5,
      },
    ],
    path: new Map([[AVAX, path]]),
    revealed: HISTORY,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 2,
    defaultLeverage: 20,
    fundingRate: 0.0001,
  });

/** The venue process's main (`--venue`): serves both sides and answers the bench's commands over IPC. */
export const serveVenues = async (): Promise<void> => {
  const send = (message: VenueMessage): void => void process.send?.(message);
  const path = loadPath();
  // Per side, arrivals of POST /fapi/v1/order since the last step, not yet matched to a placed order.
  const arrivals: Record<Side, number[]> = { ours: [], floor: [] };
  const arrivalsOf =
    (side: Side) =>
    (method: string, url: string): void => {
      if (method === 'POST' && url.split('?')[0] === '/fapi/v1/order') arrivals[side].push(nowUs());
    };
  const venues = {
    ours: await startVenue(path, arrivalsOf('ours')),
    floor: await startVenue(path, arrivalsOf('floor')),
  };
  for (const side of ['ours', 'floor'] as const) {
    // An order placed by POST /fapi/v1/order (a triggered stop has its algo type as origType) is the
    // request that arrived first: a side has one such request in flight at a time.
    venues[side].venue.onUpdate((update) => {
      if (update.kind === 'order' && update.execType === 'NEW' && update.order.origType === update.order.type)
        send({
          kind: 'order',
          side,
          clientOrderId: update.order.clientOrderId,
          arrivedUs: arrivals[side].shift() ?? -1,
        });
    });
  }
  // Once, on `close` or when this bench goes away.
  let closing: Promise<unknown> | undefined;
  const closeAll = (): Promise<unknown> => {
    closing ??= Promise.all([venues.ours.close(), venues.floor.close()]);
    return closing;
  };
  process.on('message', (command: VenueCommand) => {
    if (command.cmd === 'step') {
      arrivals[command.side].length = 0;
      // Stamped as the venue starts revealing the candle: its kline event goes to the sockets ~0.1 ms
      // later. (A stamp after the send would be late: the woken client can preempt this process.)
      const sentUs = nowUs();
      if (venues[command.side].step(1) !== 1)
        throw new Error('bench/binance-latency.ts: the venue path ended');
      send({ kind: 'stepped', side: command.side, sentUs });
    } else void closeAll().then(() => process.disconnect?.());
  });
  process.once('disconnect', () => void closeAll());
  const urls = (fake: FakeBinance) => ({ restUrl: fake.restUrl, wsUrl: fake.wsUrl });
  send({ kind: 'ready', urls: { ours: urls(venues.ours), floor: urls(venues.floor) } });
};

/** This bench's handle on the venue process: commands out, stamped messages in. */
export class VenueProcess {
  private readonly child: ChildProcess;
  private readonly inbox: VenueMessage[] = [];
  private wake: (() => void) | undefined;

  constructor() {
    this.child = fork(process.argv[1], ['--venue'], { execArgv: process.execArgv, stdio: 'inherit' });
    this.child.on('message', (message: VenueMessage) => {
      this.inbox.push(message);
      this.wake?.();
    });
  }

  /** The first message `match` accepts (removed from the inbox), waiting up to WAIT_MS. */
  async take<T extends VenueMessage>(
    what: string,
    match: (message: VenueMessage) => message is T,
    timeoutMs = WAIT_MS,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex(match);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as T;
      if (Date.now() > deadline) throw new Error(`bench/binance-latency.ts: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  step(side: Side): Promise<Extract<VenueMessage, { kind: 'stepped' }>> {
    this.forget(side);
    this.child.send({ cmd: 'step', side } satisfies VenueCommand);
    return this.take(
      `${side} step`,
      (m): m is Extract<VenueMessage, { kind: 'stepped' }> => m.kind === 'stepped',
    );
  }

  /** When `clientOrderId` reached the venue; it must be the side's first order placed since its step. */
  async arrival(side: Side, clientOrderId: string): Promise<number> {
    const message = await this.take(
      `${side} order ${clientOrderId} at the venue`,
      (m): m is Extract<VenueMessage, { kind: 'order' }> => m.kind === 'order' && m.side === side,
    );
    if (message.clientOrderId !== clientOrderId || message.arrivedUs < 0) {
      throw new Error(
        `bench/binance-latency.ts: expected ${clientOrderId} as the first order placed since the step, got ${message.clientOrderId}`,
      );
    }
    return message.arrivedUs;
  }

  /** Drop orders nobody asked for (the rest of the session's cascade). */
  forget(side: Side): void {
    for (let i = this.inbox.length - 1; i >= 0; i--) {
      const message = this.inbox[i];
      if (message.kind === 'order' && message.side === side) this.inbox.splice(i, 1);
    }
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'close' } satisfies VenueCommand);
    await Promise.race([exited, sleep(5_000)]);
    if (this.child.exitCode === null) this.child.kill();
  }
}
