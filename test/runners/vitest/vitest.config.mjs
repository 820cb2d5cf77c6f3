import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['*.test.mjs'],
    setupFiles: ['../../../lib/jest.js'],
    testTimeout: 30000,
  },
});
