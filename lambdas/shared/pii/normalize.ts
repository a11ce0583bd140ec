/**
 * Canonical forms of values before they are tokenized, so that one value written in different ways gets one
 * token: `7391 4206 5818` and `739142065818`, `RAHUL@Example.com` and `rahul@example.com`,
 * `+91 98765 43210` and `098765 43210`.
 */
import { asciiDigits } from './chars';

const DIGIT_TYPES = new Set(['IN_AADHAAR', 'CREDIT_CARD', 'US_SSN', 'AE_EMIRATES_ID', 'SA_NATIONAL_ID']);
const UPPER_COMPACT_TYPES = new Set(['IN_PAN', 'IN_GSTIN', 'IN_IFSC', 'IN_PASSPORT', 'IN_VOTER_ID', 'IBAN']);

/** Phone digits with the country code; national forms of Indian mobiles get `91`, `1`-less NANP numbers get `1`. */
export function normalizePhone(value: string): string {
  const trimmed = value.trim();
  const d = asciiDigits(trimmed);
  if (trimmed.startsWith('+') || trimmed.startsWith('(+')) return d;
  if (d.startsWith('00')) return d.slice(2);
  if (d.length === 10 && d.charCodeAt(0) >= 0x36) return `91${d}`;
  if (d.length === 11 && d.charCodeAt(0) === 0x30 && d.charCodeAt(1) >= 0x36) return `91${d.slice(1)}`;
  if (d.length === 10 && /^[2-5]/.test(d)) return `1${d}`;
  return d;
}

/** The canonical form of `value` for `type`. */
export function normalizeValue(type: string, value: string): string {
  if (DIGIT_TYPES.has(type)) return asciiDigits(value);
  if (UPPER_COMPACT_TYPES.has(type)) return value.replace(/[\s\u2010-\u2013-]/g, '').toUpperCase();
  switch (type) {
    case 'PHONE':
      return normalizePhone(value);
    case 'EMAIL':
    case 'IN_UPI':
    case 'IP_ADDRESS':
      return value.trim().toLowerCase();
    case 'DATE_OF_BIRTH':
      return /\p{L}/u.test(value) ? value.toLowerCase().replace(/\s+/g, ' ') : asciiDigits(value);
    default:
      return value.normalize('NFKC').trim();
  }
}
