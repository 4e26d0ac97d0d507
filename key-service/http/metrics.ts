// What `/metrics` shows about the API: request rates and latencies by route, authentication
// failures, revocations by reason, key-cache hits. Other parts (the webhook inbox) add their own.
import { type Counter, type Histogram, MetricsRegistry } from '../../platform/metrics.js';
import type { KeyService } from '../service/key-service.js';

export interface ApiMetrics {
  registry: MetricsRegistry;
  requests: Histogram;
  authFailures: Counter;
}

export function createApiMetrics(service: KeyService, registry = new MetricsRegistry()): ApiMetrics {
  const metrics = {
    registry,
    requests: registry.histogram(
      'lfk_http_request_duration_seconds',
      'HTTP requests by method, route and status, with their latency.',
    ),
    authFailures: registry.counter('lfk_auth_failures_total', 'Refused API-key authentications, by error code.'),
  };
  registry.add(service.revocations);
  registry.gauge(
    'lfk_key_cache_hits_total',
    'Key verifications answered from the in-memory cache.',
    () => service.cacheStats().hits,
    'counter',
  );
  registry.gauge(
    'lfk_key_cache_misses_total',
    'Key verifications that needed the database.',
    () => service.cacheStats().misses,
    'counter',
  );
  registry.gauge('lfk_key_cache_entries', 'Verified keys held in the cache.', () => service.cacheStats().entries);
  return metrics;
}
