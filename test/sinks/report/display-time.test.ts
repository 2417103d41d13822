import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../src/domain/index.js';
import { createDisplayTimeFormatter } from '../../../src/sinks/report/index.js';

test('formats event time in the display zone, DST included', () => {
  const oslo = createDisplayTimeFormatter('Europe/Oslo');
  assert.is(oslo(Date.UTC(2024, 0, 1, 0, 0, 0)), '2024-01-01 01:00:00');
  assert.is(oslo(Date.UTC(2024, 6, 1, 22, 30, 15)), '2024-07-02 00:30:15');
  assert.is(createDisplayTimeFormatter('UTC')(Date.UTC(2024, 0, 1, 23, 59, 59)), '2024-01-01 23:59:59');
});

test('an unknown zone is a ConfigError naming it', () => {
  assert.throws(
    () => createDisplayTimeFormatter('Mars/Olympus'),
    (error: unknown) => error instanceof ConfigError && error.message.includes('Mars/Olympus'),
  );
});

test.run();
