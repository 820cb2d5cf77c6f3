// leakguard/otel: leakguard's verdicts and counters as OpenTelemetry
// instruments, observed when the SDK collects. docs/metrics.md lists them.

/** The part of an OpenTelemetry MeterProvider that register() uses. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string, options?: unknown): unknown;
}

export interface OtelOptions {
  /** Attributes added to every data point. */
  attributes?: Record<string, string | number | boolean>;
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
