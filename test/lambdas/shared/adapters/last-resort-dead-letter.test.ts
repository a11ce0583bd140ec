import {
  LastResortDeadLetter,
  LOGGED_RECORD_MARKER,
  loggedRecordLine,
  MAX_LOGGED_RECORD_BYTES,
} from '../../../../lambdas/shared/adapters/last-resort-dead-letter';
import type { AuditRecord } from '../../../../lambdas/shared/audit/record';
import type { AuditDeadLetter } from '../../../../lambdas/shared/ports';
import { completeRecord } from '../../../helpers/audit-record-fixture';

const failing: AuditDeadLetter = { send: () => Promise.reject(new Error('queue unreachable')) };

describe('LastResortDeadLetter', () => {
  it('passes the record to the dead letter and writes nothing when that works', async () => {
    // Prepare
    const sent: AuditRecord[] = [];
    const lines: string[] = [];
    const deadLetter = new LastResortDeadLetter({
      deadLetter: { send: async (record) => void sent.push(record) },
      write: (line) => lines.push(line),
    });

    // Act
    await deadLetter.send(completeRecord, 'S3 down');

    // Assess
    expect(sent).toEqual([completeRecord]);
    expect(lines).toEqual([]);
  });

  it('writes a record the dead letter refused to the log as one EMF line, whole, and resolves', async () => {
    // Prepare
    const lines: string[] = [];
    const deadLetter = new LastResortDeadLetter({ deadLetter: failing, write: (l) => lines.push(l), now: () => 1 });

    // Act
    await expect(deadLetter.send(completeRecord, 'S3 down')).resolves.toBeUndefined();

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.trim().includes('\n')).toBe(false);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [
          {
            Namespace: 'ClaudeComplianceGateway',
            Dimensions: [['service'], ['service', 'Tenant']],
            Metrics: [{ Name: 'AuditRecordsLoggedOnly', Unit: 'Count' }],
          },
        ],
      },
      service: 'claude-compliance-gateway',
      Tenant: 'acme-support',
      AuditRecordsLoggedOnly: 1,
      message: LOGGED_RECORD_MARKER,
      failures: ['S3 down', 'Error: queue unreachable'],
      dropped_to_fit: [],
      gateway_audit_record: completeRecord,
    });
  });

  it('writes to process.stderr by default', async () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await new LastResortDeadLetter({ deadLetter: failing }).send(completeRecord, 'down');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(String(spy.mock.calls[0]?.[0])).toContain(LOGGED_RECORD_MARKER);
    } finally {
      spy.mockRestore();
    }
  });

  it('fits one CloudWatch log event: drops the redacted texts of a large record first, keeps its hashes', () => {
    const large: AuditRecord = { ...completeRecord, completion_redacted: 'x'.repeat(MAX_LOGGED_RECORD_BYTES) };
    const line = loggedRecordLine(large, ['down'], 0);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LOGGED_RECORD_BYTES);
    const parsed = JSON.parse(line) as { dropped_to_fit: string[]; gateway_audit_record: AuditRecord };
    expect(parsed.dropped_to_fit).toEqual(['prompt_redacted', 'completion_redacted']);
    expect(parsed.gateway_audit_record).toMatchObject({
      completion_redacted: null,
      completion_sha256: completeRecord.completion_sha256,
      reid_envelope: completeRecord.reid_envelope,
    });
  });
});
