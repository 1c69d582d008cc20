import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: the integration tests mostly wait (elections, leases, processes), so two share the
    // 2-core machine well; one at a time takes about 22 minutes.
    maxWorkers: 2,
  },
});
