// Types for leakguard/testing: heap-flat assertions for test suites.
import { AssertionError } from 'node:assert';

export interface MeasureOptions {
  /** Calls of fn per measured round. Default 500. */
  iterations?: number;
  /** Measured rounds; the heap is read before the first and after each. Default 8. */
  rounds?: number;
  /** Calls of fn before the first reading. Default: one round (`iterations`), at least 1000. */
  warmup?: number;
  /** Growth per call, heap plus external, that still counts as no leak. Default 16. */
  maxBytesPerIteration?: number;
  /** How sure the growth must be to count as a leak, 0.5 to 0.9999. Default 0.95. */
  confidence?: number;
  /** Time for the whole measurement before it fails with ERR_LEAKGUARD_TIMEOUT. Default 60000. */
  timeoutMs?: number;
  /** On a leak, run one more pass under a heap diff to name what grew. Default true. */
  explain?: boolean;
  /** What to call fn in messages. Default: fn.name, or "fn". */
  name?: string;
}

export interface HeapSample {
  /** 0 is the baseline after the warm-up; 1..rounds follow each round. */
  round: number;
  /** V8 used_heap_size after full collections, in bytes. */
  heapUsed: number;
  /** External memory (ArrayBuffers, Buffers) at the same moment, in bytes. */
  external: number;
  /** Full collections it took for the heap to settle. */
  gcs: number;
}

export interface GrowingConstructor {
  /** Constructor or allocation kind, as the heap diff names it. */
  what: string;
  /** Net count added (allocated less freed) over the diff pass. */
  count: number;
  /** Net bytes added over the diff pass. */
  bytes: number;
}

export interface HeapReport {
  /** The name used in messages. */
  name: string;
  /** True when growth per call exceeds maxBytesPerIteration with the required confidence. */
  leak: boolean;
  /** Robust (Theil–Sen) growth per call, heap plus external, in bytes. */
  bytesPerIteration: number;
  heapBytesPerIteration: number;
  externalBytesPerIteration: number;
  /** Growth per call over the later half of the rounds only (a cache that filled early shows ~0 here). */
  lateBytesPerIteration: number;
  /**
   * When the first measurement found growth that stopped in its later rounds
   * (a cache or pool filling up), it became the warm-up of a second one, whose
   * figures the report holds; these are the first's. null otherwise.
   */
  remeasured: { bytesPerIteration: number; lateBytesPerIteration: number; confidence: number; heapGrowth: number } | null;
  /** Confidence, 0..1, that growth per call exceeds maxBytesPerIteration. */
  confidence: number;
  /** Smallest growth per call that stands out of the scatter of the readings. */
  noiseFloor: number;
  maxBytesPerIteration: number;
  iterations: number;
  rounds: number;
  warmup: number;
  /** Heap growth from the baseline to the last round, in bytes. */
  heapGrowth: number;
  externalGrowth: number;
  samples: HeapSample[];
  /**
   * What grew, largest first, from the in-process heap diff: undefined when
   * there was no leak or explain was false, null when the heap diff failed (explainError says why).
   */
  growing: GrowingConstructor[] | null | undefined;
  /** Calls made between the two snapshots of the heap diff (0 when none was taken). */
  explainCalls: number;
  /** Why the heap diff failed, when it did; the leak verdict stands. */
  explainError?: Error;
  durationMs: number;
}

export type MeasuredFunction = () => unknown | PromiseLike<unknown>;

/** Measures how much fn retains per call. Never fails on a leak. */
export function measureHeap(fn: MeasuredFunction, options?: MeasureOptions): Promise<HeapReport>;

/**
 * Resolves with the report when fn retains no more than
 * maxBytesPerIteration per call, otherwise rejects with a LeakError.
 * Invalid arguments throw at once (TypeError or RangeError).
 */
export function assertNoLeak(fn: MeasuredFunction, options?: MeasureOptions): Promise<HeapReport>;

export class LeakError extends AssertionError {
  name: 'LeakError';
  report: HeapReport;
}

/** The message a LeakError carries, for a report with leak === true. */
export function leakMessage(report: HeapReport): string;
