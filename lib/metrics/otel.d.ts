// leakguard/otel: leakguard's verdicts and counters as OpenTelemetry
// instruments, observed when the SDK collects. docs/metrics.md lists them.

/** The part of an OpenTelemetry MeterProvider that register() uses. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string, options?: unknown): unknown;
}

export interface OtelOptions {
  /** Attributes added to every data point. */
  attributes?: Record<string, string | number | boolean>;
  /**
   * Also create the semantic conventions' v8js.* runtime instruments (v8js.gc.duration,
   * v8js.memory.heap.used, v8js.memory.heap.space.size). Default false: instrumentation-runtime-node
   * usually reports them already.
   */
  runtime?: boolean;
}

export interface OtelRegistration {
  /** The instrument names created. */
  readonly instruments: string[];
  /** Removes the collection callback; the instruments stop reporting. */
  unregister(): void;
}

/**
 * Creates leakguard's instruments on a meter of `meterProvider` (the global
 * one from @opentelemetry/api when omitted).
 */
export function register(meterProvider?: OtelMeterProvider, options?: OtelOptions): OtelRegistration;
