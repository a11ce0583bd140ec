/**
 * The input of `gateway-audit leak-scan`: every stored redacted prompt and completion of a period. It is not a
 * compliance question, so it is not in NAMED_QUERIES (no Athena named query, not in the docs); it renders through the
 * same renderer, so the scan reads Athena in AWS and DuckDB over a local folder with one definition.
 */
import type { NamedQuery } from './render';

export const LEAK_SCAN_SOURCE: NamedQuery = {
  name: 'leak-scan-source',
  description: 'Redacted prompt and completion texts of the gateway records dated in the range (leak-scan input).',
  columns: ['request_id', 'tenant_id', 'event', 'ts', 'prompt_redacted', 'completion_redacted'],
  requires: [],
  sql: ({ tenantFilter }) => `
SELECT a.request_id AS request_id, a.tenant_id AS tenant_id, a.event AS event, a.ts AS ts,
  a.prompt_redacted AS prompt_redacted, a.completion_redacted AS completion_redacted
FROM gateway_audit a
WHERE a.dt BETWEEN :from AND :to ${tenantFilter('a')}
  AND (a.prompt_redacted IS NOT NULL OR a.completion_redacted IS NOT NULL)
ORDER BY ts, request_id, event`,
};
