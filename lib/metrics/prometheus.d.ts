// leakguard/prometheus: leakguard's verdicts and counters as prom-client
// metrics, read at scrape time. docs/metrics.md lists them.

/** The part of a prom-client Registry that register() uses. */
export interface PromRegistry {
  registerMetric(metric: unknown): void;
  removeSingleMetric(name: string): void;
  getSingleMetric(name: string): unknown;
}

export interface PrometheusOptions {
  /** Prepended to every metric name (letters, digits, '_' and ':'). */
  prefix?: string;
  /** Static labels on every series; not kind, trigger, outcome, thread or le. */
  labels?: Record<string, string>;
  /** Add leakguard_gc_duration_seconds (default false: prom-client's nodejs_gc_duration_seconds is the usual one). */
  gcHistogram?: boolean;
}

export interface PrometheusRegistration {
  /** The metric names registered, prefix included. */
  readonly metrics: string[];
  /** Removes them from the registry. */
  unregister(): void;
}

/**
 * Adds leakguard's collectors to `registry` (prom-client's default registry
 * when omitted). A second call with the same registry and prefix returns
 * the first registration.
 */
export function register(registry?: PromRegistry, options?: PrometheusOptions): PrometheusRegistration;
