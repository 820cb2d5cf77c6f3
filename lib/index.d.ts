// Type definitions for leakguard's default export.
import { EventEmitter } from 'node:events';

declare namespace leakguard {
  /** Options of start() and configure(). */
  interface MonitorOptions {
    /** How often RSS and external memory are sampled, ms (100..86400000, default 1000). */
    sampleIntervalMs?: number;
    /** GC records buffered between the GC callback and the monitor thread (16..1048576, default 4096). */
    ringCapacity?: number;
    /** Events waiting for the main thread before new ones are dropped and counted (16..1000000, default 10000). */
    maxQueuedEvents?: number;
  }

  type GcType =
    | 'scavenge'
    | 'minor-mark-compact'
    | 'mark-sweep-compact'
    | 'incremental-marking'
    | 'weak-callbacks';

  /** One collection, emitted as 'gc' while someone listens. Times are ms of a monotonic clock. */
  interface GcEvent {
    type: GcType;
    flags: number;
    forced: boolean;
    startTime: number;
    endTime: number;
    pauseMs: number;
    heapUsedBefore: number;
    heapUsedAfter: number;
    heapTotal: number;
    heapLimit: number;
    external: number;
  }

  /** Emitted as 'stats' after each full GC; memwatch's fields plus camelCase extensions. */
  interface Stats {
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
    time: number;
    pauseMs: number;
    totalPauseMs: number;
    maxPauseMs: number;
    heapUsed: number;
    heapTotal: number;
    heapLimit: number;
    external: number;
    rss: number;
    droppedRecords: number;
  }

  interface GcTypeCounters {
    count: number;
    totalPauseMs: number;
    maxPauseMs: number;
  }

  interface HeapSpace {
    space_name: string;
    space_size: number;
    space_used_size: number;
    space_available_size: number;
    physical_space_size: number;
  }

  interface HeapStats {
    monitoring: boolean;
    heap: {
      total_heap_size: number;
      total_heap_size_executable: number;
      total_physical_size: number;
      total_available_size: number;
      used_heap_size: number;
      heap_size_limit: number;
      malloced_memory: number;
      peak_malloced_memory: number;
      external_memory: number;
      number_of_native_contexts: number;
      number_of_detached_contexts: number;
      total_global_handles_size: number;
      used_global_handles_size: number;
    };
    spaces: HeapSpace[];
    gc: Record<GcType, GcTypeCounters> & {
      num_full_gc: number;
      num_inc_gc: number;
      heap_compactions: number;
      totalPauseMs: number;
      maxPauseMs: number;
      current_base: number;
      min: number;
      max: number;
      estimated_base: number;
      usage_trend: number;
    };
    rss: number;
    external: number;
    droppedRecords: number;
    droppedEvents: number;
    ringCapacity: number;
  }

  interface LeakGuard extends EventEmitter {
    start(options?: MonitorOptions): this;
    stop(): this;
    configure(options: MonitorOptions): this;
    readonly monitoring: boolean;
    readonly options: Required<MonitorOptions>;
    heapStats(): HeapStats;
    /** A full, compacting collection now, without --expose-gc. */
    gc(): void;
    reportError(err: Error, kind?: string): void;

    on(event: 'stats', listener: (stats: Stats) => void): this;
    on(event: 'gc', listener: (event: GcEvent) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    once(event: 'stats', listener: (stats: Stats) => void): this;
    once(event: 'gc', listener: (event: GcEvent) => void): this;
    once(event: 'error', listener: (err: Error) => void): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;

  }
}

declare const leakguard: leakguard.LeakGuard;
export = leakguard;
