import { describe, expect, it } from 'vitest';
import { suiteName } from '../helpers/services.js';
import { postgresService, storeFactories } from '../helpers/stores.js';

// The store and server suites run once per entry of storeFactories. This suite shows in the test
// report when PostgreSQL is left out, because describe.each has no row to skip then.
describe.skipIf(postgresService.url === undefined)(
  suiteName('store and server suites on PostgreSQL', postgresService),
  () => {
    it('include a PostgreSQL store factory', () => {
      expect(storeFactories.map((factory) => factory.name)).toEqual(['sqlite', 'postgres']);
    });
  },
);
