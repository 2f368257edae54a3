import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores here: keep worker count small so timing-sensitive tests stay honest.
    maxWorkers: 2,
  },
});

// Vitest needs a default export from its config file; this is the only one in the project.
export default config;
