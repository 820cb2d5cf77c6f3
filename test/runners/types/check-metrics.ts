// leakguard/prometheus and leakguard/otel accept the real prom-client
// Registry and OpenTelemetry MeterProvider types.
import * as client from 'prom-client';
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import * as prometheus from 'leakguard/prometheus';
import * as otel from 'leakguard/otel';

const reg: prometheus.PrometheusRegistration = prometheus.register(client.register, {
  prefix: 'app_', labels: { service: 'checkout' },
});
const names: string[] = reg.metrics;
reg.unregister();
prometheus.register(new client.Registry());
prometheus.register();

const o: otel.OtelRegistration = otel.register(new MeterProvider(), { attributes: { pod: 'a', shard: 3 } });
const instruments: string[] = o.instruments;
o.unregister();
otel.register(metrics.getMeterProvider());
otel.register();
void names;
void instruments;
