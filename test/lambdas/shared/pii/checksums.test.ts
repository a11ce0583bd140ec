import {
  cardIinValid,
  creditCardValid,
  gstinChecksumValid,
  ibanValid,
  luhnValid,
  verhoeffCheckDigit,
  verhoeffValid,
} from '../../../../lambdas/shared/pii/checksums';

describe('checksums', () => {
  it.each([
    ['234567890124', true],
    ['234567890123', false],
    ['2363', true],
    ['2364', false],
    ['', false],
    ['12a4', false],
  ])('verhoeffValid(%p) is %p', (digits, expected) => {
    // Act
    const result = verhoeffValid(digits);
    // Assess
    expect(result).toBe(expected);
  });

  it('computes the Verhoeff check digit that validates', () => {
    // Prepare
    const payload = '23456789012';
    // Act
    const check = verhoeffCheckDigit(payload);
    // Assess
    expect(verhoeffValid(`${payload}${check}`)).toBe(true);
  });

  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['79927398713', true],
    ['784196725709560', true],
    ['1', false],
  ])('luhnValid(%p) is %p', (digits, expected) => {
    expect(luhnValid(digits)).toBe(expected);
  });

  it.each([
    ['27AAPFU0939F1ZV', true],
    ['27AAPFU0939F1ZA', false],
    ['29NFJHN2928E1ZE', true],
    ['27AAPFU0939F1Z', false],
  ])('gstinChecksumValid(%p) is %p', (gstin, expected) => {
    expect(gstinChecksumValid(gstin)).toBe(expected);
  });

  it.each([
    ['GB82WEST12345698765432', true],
    ['GB82WEST12345698765433', false],
    ['DE89370400440532013000', true],
    ['SA0380000000608010167519', true],
    ['AE070331234567890123456', true],
    ['AE07033123456789012345', false],
    ['IN12345678901234567890', false],
    ['gb82west12345698765432', false],
  ])('ibanValid(%p) is %p', (iban, expected) => {
    expect(ibanValid(iban)).toBe(expected);
  });

  it.each([
    ['4111111111111111', true],
    ['5555555555554444', true],
    ['2223003122003222', true],
    ['378282246310005', true],
    ['6011111111111117', true],
    ['3530111333300000', true],
    ['30569309025904', true],
    ['1111111111111117', false],
    ['9111111111111111', false],
  ])('creditCardValid(%p) is %p', (digits, expected) => {
    expect(creditCardValid(digits)).toBe(expected);
  });

  it('rejects a Visa prefix with a non-Visa length', () => {
    expect(cardIinValid('41111111111111')).toBe(false);
  });
});
