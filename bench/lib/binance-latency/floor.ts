// The floor of bench/binance-latency.ts: a bare `ws` client that signs a MARKET order on each kline
// message and sends it with plain `fetch`.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import type { Kline } from '../../../src/domain/index.js';
import { AVAX, IDLE_MS, KEY, nowUs, SECRET, STREAM, sleep } from './setup.js';
import type { VenueProcess } from './venue.js';

/** The floor client on the venue at `urls`: when each candle's kline message arrived, and its settle. */
export const startFloor = async (urls: { restUrl: string; wsUrl: string }) => {
  const received = new Map<number, number>();
  let pending: Promise<unknown> = Promise.resolve();
  let buy = true;
  const socket = new WebSocket(`${urls.wsUrl}/ws/${STREAM}`);
  socket.on('message', (data) => {
    const atUs = nowUs();
    const event = JSON.parse(String(data)) as { e?: string; k?: { t: number } };
    if (event.e !== 'kline' || event.k === undefined) return;
    received.set(event.k.t, atUs);
    const query =
      `symbol=${AVAX}&side=${buy ? 'BUY' : 'SELL'}&type=MARKET&quantity=1` +
      `&newClientOrderId=floor-${event.k.t}&timestamp=${Date.now()}`;
    buy = !buy;
    const signature = createHmac('sha256', SECRET).update(query).digest('hex');
    pending = fetch(`${urls.restUrl}/fapi/v1/order`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${query}&signature=${signature}`,
    }).then(async (response) => {
      if (!response.ok)
        throw new Error(`bench/binance-latency.ts: floor order refused: ${await response.text()}`);
    });
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    received,
    /** The last order answered, then IDLE_MS (the same quiet time as ours). */
    settle: async (): Promise<void> => {
      await pending;
      await sleep(IDLE_MS);
    },
    close: () => socket.close(),
  };
};

export interface FloorSample {
  readonly sentUs: number;
  readonly receivedUs: number;
  readonly arriveUs: number;
}

/** Steps the venue by one candle for the floor; the sample of that candle. */
export const stepFloor = async (
  venues: VenueProcess,
  floor: Awaited<ReturnType<typeof startFloor>>,
  candle: Kline,
): Promise<FloorSample> => {
  const { sentUs } = await venues.step('floor');
  const arriveUs = await venues.arrival('floor', `floor-${candle.openTime}`);
  await floor.settle();
  return { sentUs, receivedUs: floor.received.get(candle.openTime) ?? Number.NaN, arriveUs };
};
