// Helpers the fake Binance's REST tests share (`fake-binance-rest.test.ts`,
// `fake-binance-rest-orders.test.ts`): the Binance error code of an answer, and a fake closed after use.
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import type { Answer } from './harness.js';

/** The Binance error code in an answer's body. */
export const codeOf = (answer: Answer): unknown => (answer.body as { code?: unknown }).code;

/** Runs `body` on `fake`, then closes it whatever happens. */
export const withFake = async (
  fake: FakeBinance,
  body: (fake: FakeBinance) => Promise<void>,
): Promise<void> => {
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
};
