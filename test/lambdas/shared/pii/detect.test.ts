import { detectPii, type PiiMatch } from '../../../../lambdas/shared/pii';

function found(text: string): Array<[string, string]> {
  return detectPii(text).map((m) => [m.type, m.value]);
}

describe('detectPii', () => {
  describe('positives', () => {
    it.each<[string, string, string]>([
      ['IN_AADHAAR', 'Aadhaar 2345 6789 0124 verified', '2345 6789 0124'],
      ['IN_AADHAAR', 'uid=234567890124', '234567890124'],
      ['IN_AADHAAR', 'आधार २३४५ ६७८९ ०१२४', '२३४५ ६७८९ ०१२४'],
      ['IN_AADHAAR', 'Aadhaar 2345\u00a06789\u00a00124', '2345\u00a06789\u00a00124'],
      ['IN_AADHAAR', 'Aadhaar 2345\u20116789\u20110124', '2345\u20116789\u20110124'],
      ['IN_PAN', 'PAN: ABCPE1234F', 'ABCPE1234F'],
      ['IN_GSTIN', 'GSTIN 27AAPFU0939F1ZV', '27AAPFU0939F1ZV'],
      ['IN_UPI', 'pay rahul.s@okhdfcbank now', 'rahul.s@okhdfcbank'],
      ['IN_IFSC', 'IFSC: HDFC0001234', 'HDFC0001234'],
      ['IN_PASSPORT', 'passport J8369854', 'J8369854'],
      ['IN_VOTER_ID', 'voter id ABC1234567', 'ABC1234567'],
      ['AE_EMIRATES_ID', 'EID 784-1967-2570956-0', '784-1967-2570956-0'],
      ['SA_NATIONAL_ID', 'رقم الهوية 1568985996', '1568985996'],
      ['SA_NATIONAL_ID', 'national id ١٥٦٨٩٨٥٩٩٦', '١٥٦٨٩٨٥٩٩٦'],
      ['IBAN', 'IBAN GB82 WEST 1234 5698 7654 32.', 'GB82 WEST 1234 5698 7654 32'],
      ['IBAN', 'IBAN AE070331234567890123456', 'AE070331234567890123456'],
      ['CREDIT_CARD', 'card 4111-1111-1111-1111', '4111-1111-1111-1111'],
      ['CREDIT_CARD', 'amex 3782 822463 10005', '3782 822463 10005'],
      ['US_SSN', 'SSN 123-45-6789', '123-45-6789'],
      ['EMAIL', 'mailto:Priya.Nair@Example.co.in', 'Priya.Nair@Example.co.in'],
      ['IP_ADDRESS', 'connection from 203.0.113.9:22', '203.0.113.9'],
      ['IP_ADDRESS', 'peer [2001:db8::1]:443', '2001:db8::1'],
      ['PHONE', 'call +91 98765 43210', '+91 98765 43210'],
      ['PHONE', 'call (+91) 98765 43210', '(+91) 98765 43210'],
      ['PHONE', 'mobile 098765 43210', '098765 43210'],
      ['PHONE', 'office +971 4 123 4567', '+971 4 123 4567'],
      ['PHONE', 'US (415) 555-2671', '(415) 555-2671'],
      ['DATE_OF_BIRTH', 'DOB: 12/05/1990', '12/05/1990'],
      ['DATE_OF_BIRTH', 'تاريخ الميلاد: ١٢/٠٥/١٩٩٠', '١٢/٠٥/١٩٩٠'],
      ['DATE_OF_BIRTH', 'born on 3rd March 1985', '3rd March 1985'],
    ])('finds %s in %p', (type, text, value) => {
      // Act
      const matches = detectPii(text);
      // Assess
      expect(matches).toHaveLength(1);
      expect(matches[0]?.type).toBe(type);
      expect(matches[0]?.value).toBe(value);
      expect(text.slice(matches[0]?.start, matches[0]?.end)).toBe(value);
    });
  });

  describe('hard negatives and collisions', () => {
    it.each<[string, string]>([
      ['AWS account id', 'AWS account 234567890124'],
      ['ARN', 'arn:aws:iam::234567890124:role/x'],
      ['epoch seconds', 'ts=1700000007'],
      ['iat claim', '{"iat": 1712345672}'],
      ['tracking number groups', 'tracking 1234 5678 9012 3456'],
      ['last 12 digits of a longer run', 'id 4412345678901245'],
      ['UUID tail', 'id 123e4567-e89b-12d3-a456-234567890124'],
      ['package@version', 'lodash@4.17.21'],
      ['package@tag', 'typescript@latest'],
      ['GitHub action', 'actions/checkout@v4'],
      ['scoped package', '@aws-sdk/client-kms@3.1163.0'],
      ['version string', 'version 1.2.3.4'],
      ['SNMP OID', 'OID 1.3.6.1.4.1.2021.10.1.3.1'],
      ['invalid Aadhaar', 'Aadhaar 2345 6789 0123'],
      ['invalid card', 'card 4111 1111 1111 1112'],
      ['invalid GSTIN', 'GSTIN 27AAPFU0939F1ZA'],
      ['IFSC out of context', 'code HDFC0001234 cached'],
      ['date without birth context', 'due 12/05/2024'],
      ['time', 'at 12:30:45'],
      ['MAC address', '00:1a:2b:3c:4d:5e'],
      ['asset name', 'logo@2x.png'],
      ['git remote', 'git@github.com:acme/repo.git'],
      ['invalid SSN area', 'SSN 666-12-3456'],
      ['URL path id', '/orders/9876543210/items'],
    ])('reports nothing for %s', (_label, text) => {
      expect(detectPii(text)).toEqual([]);
    });

    it('reports +91 and a 10-digit mobile as one PHONE even when the 12 digits pass Verhoeff', () => {
      // Prepare: 919876543219 passes Verhoeff.
      const text = 'WhatsApp +91 98765 43219';
      // Act / Assess
      expect(found(text)).toEqual([['PHONE', '+91 98765 43219']]);
    });

    it('reports a GSTIN once, not the PAN inside it', () => {
      expect(found('GSTIN 27AAPFU0939F1ZV')).toEqual([['IN_GSTIN', '27AAPFU0939F1ZV']]);
    });

    it('reports a UPI id built from a phone number as one IN_UPI', () => {
      expect(found('pay 9876543210@ybl')).toEqual([['IN_UPI', '9876543210@ybl']]);
    });

    it('reports an e-mail, not a UPI id, when the domain is dotted', () => {
      expect(found('mail rahul@okaxis.com')).toEqual([['EMAIL', 'rahul@okaxis.com']]);
    });

    it('takes only the birth date, not a later date', () => {
      expect(found('DOB 01/02/1990, joined 03/04/2015')).toEqual([['DATE_OF_BIRTH', '01/02/1990']]);
    });

    it('reports a weak occurrence when the same value is strong elsewhere', () => {
      // Prepare
      const text = 'Call 9876543210. Order 9876543210 was placed by that number.';
      // Act
      const values = detectPii(text).map((m) => m.start);
      // Assess
      expect(values).toEqual([5, 23]);
    });
  });

  describe('results', () => {
    it('are sorted, non-overlapping and slice to their value', () => {
      // Prepare
      const text =
        'Rahul (rahul@example.com, +91 98765 43210) PAN ABCPE1234F paid with 4111 1111 1111 1111 from 10.0.0.7';
      // Act
      const matches = detectPii(text);
      // Assess
      expect(matches.map((m) => m.type)).toEqual(['EMAIL', 'PHONE', 'IN_PAN', 'CREDIT_CARD', 'IP_ADDRESS']);
      matches.forEach((m: PiiMatch, i) => {
        expect(text.slice(m.start, m.end)).toBe(m.value);
        if (i > 0) expect(m.start).toBeGreaterThanOrEqual(matches[i - 1]?.end ?? 0);
      });
    });
  });

  describe('options', () => {
    it('reports only enabled types', () => {
      // Act
      const matches = detectPii('rahul@example.com +91 98765 43210', { enabledTypes: ['PHONE'] });
      // Assess
      expect(matches.map((m) => m.type)).toEqual(['PHONE']);
    });

    it('never reports allowlisted values', () => {
      // Act
      const matches = detectPii('write to Support@Acme.com or priya@acme.com', {
        allowlist: ['support@acme.com'],
      });
      // Assess
      expect(matches.map((m) => m.value)).toEqual(['priya@acme.com']);
    });

    it('reports custom types and lets them win a tie', () => {
      // Prepare
      const options = { customTypes: [{ name: 'EMPLOYEE_ID', pattern: 'EMP-[0-9]{6}' }] };
      // Act
      const matches = detectPii('badge EMP-004211 issued', options);
      // Assess
      expect(matches).toEqual([{ type: 'EMPLOYEE_ID', start: 6, end: 16, value: 'EMP-004211' }]);
    });
  });
});
