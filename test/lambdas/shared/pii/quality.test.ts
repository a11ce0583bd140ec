import { PII_CORPUS } from '../../../fixtures/pii/corpus';
import { evaluate } from '../../../fixtures/pii/evaluate';

const CHECKSUM_TYPES = ['IN_AADHAAR', 'IN_GSTIN', 'CREDIT_CARD', 'IBAN', 'AE_EMIRATES_ID', 'SA_NATIONAL_ID'];

describe('detector quality on the labelled corpus', () => {
  const result = evaluate(PII_CORPUS);

  it('has at least 300 labelled cases', () => {
    expect(result.cases).toBeGreaterThanOrEqual(300);
  });

  it('reaches micro F1 >= 0.98', () => {
    // The error list is in the message so that a failure says which cases regressed.
    expect([result.micro.f1 >= 0.98, result.errors]).toEqual([true, result.errors]);
    expect(result.micro.f1).toBeGreaterThanOrEqual(0.98);
  });

  it.each(CHECKSUM_TYPES)('reaches recall >= 0.99 for %s', (type) => {
    const score = result.perType.find((t) => t.type === type);
    expect(score?.recall ?? 0).toBeGreaterThanOrEqual(0.99);
  });
});
