import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.mjs'],
    setupFiles: ['../../../lib/testing/jest.js'],
    testTimeout: 30000,
  },
});
