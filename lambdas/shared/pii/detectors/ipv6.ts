/**
 * IPv6 addresses, anchored on `:`. A maximal run of hex digits, colons and dots is cut out and handed to
 * `net.isIP`, which implements the RFC 4291 text forms (`::` compression, embedded IPv4). Runs never overlap, so
 * the scan is linear. Times (`12:30:45`) and MAC addresses (`00:1a:2b:3c:4d:5e`) are not valid IPv6 text.
 */
import { isIP } from 'node:net';
import { isWordChar } from '../chars';
import type { PiiType } from '../types';

export type EmitCandidate = (type: PiiType, start: number, end: number) => void;

const MAX_IPV6_TEXT = 45;

function isRunChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c === 0x3a || c === 0x2e;
}

function countColons(s: string): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0x3a) k++;
  return k;
}

function tryRun(text: string, start: number, end: number, emit: EmitCandidate): void {
  let s = start;
  let e = end;
  while (e > s && text.charCodeAt(e - 1) === 0x2e) e--;
  if (e < text.length && isWordChar(text.charCodeAt(e))) return;
  if (s > 0 && isWordChar(text.charCodeAt(s - 1))) {
    // A label glued to the address (`IPv6:fe80::1`): skip to the first colon.
    const firstColon = text.indexOf(':', s);
    if (firstColon < 0 || firstColon >= e) return;
    s = firstColon + 1;
    if (text.charCodeAt(s) === 0x3a) return;
  }
  let candidate = text.slice(s, e);
  if (candidate.length > MAX_IPV6_TEXT || countColons(candidate) < 2) return;
  if (isIP(candidate) !== 6 && candidate.endsWith(':') && !candidate.endsWith('::')) {
    e -= 1;
    candidate = text.slice(s, e);
  }
  if (isIP(candidate) === 6 && (/[0-9]/.test(candidate) || candidate.length >= 8)) emit('IP_ADDRESS', s, e);
}

/** Emits IPv6 IP_ADDRESS candidates. */
export function scanColons(text: string, emit: EmitCandidate): void {
  const n = text.length;
  let colon = text.indexOf(':');
  let scannedTo = 0;
  while (colon >= 0) {
    let s = colon;
    while (s > scannedTo && isRunChar(text.charCodeAt(s - 1))) s--;
    let e = colon + 1;
    while (e < n && isRunChar(text.charCodeAt(e))) e++;
    if (e - s <= MAX_IPV6_TEXT + 8) tryRun(text, s, e, emit);
    scannedTo = e;
    colon = text.indexOf(':', e);
  }
}
