// Types for leakguard/jest: the toLeak matcher for Jest and Vitest.
//
// Importing this module (or listing it in tsconfig "types") adds toLeak to
// Jest's expect (the `jest` global namespace of @types/jest and the
// 'expect' module behind @jest/globals) and to Vitest's Assertion. An
// augmentation of a runner that is not installed is simply unused.
import type { HeapReport, MeasureOptions, MeasuredFunction } from '.';

export type { HeapReport, MeasureOptions, MeasuredFunction } from '.';

export interface ToLeakResult {
  pass: boolean;
  message(): string;
  report: HeapReport;
}

/** The matcher itself, for expect.extend. */
export function toLeak(received: MeasuredFunction, options?: MeasureOptions): Promise<ToLeakResult>;

export const matchers: { toLeak: typeof toLeak };

/** Registers toLeak on an expect that has extend() (Jest's or Vitest's). */
export function register<E extends { extend(matchers: any): void }>(expect: E): E;

/** Whether requiring the module found a runner's expect and registered on it. */
export const registered: boolean;
/** Whether it found the runner's afterEach, which fails a test that did not await toLeak(). */
export const checksAwait: boolean;

export interface LeakMatchers {
  /**
   * Measures the received function (sync or async, awaited per call) and
   * passes when it retains more than maxBytesPerIteration per call. Use it
   * negated and awaited: `await expect(fn).not.toLeak()`.
   */
  toLeak(options?: MeasureOptions): Promise<void>;
}

declare global {
  namespace jest {
    interface Matchers<R, T = {}> extends LeakMatchers {}
  }
}

declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends LeakMatchers {}
}

declare module 'vitest' {
  interface Assertion<T = any> extends LeakMatchers {}
}
