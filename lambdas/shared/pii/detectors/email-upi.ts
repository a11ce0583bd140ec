/**
 * E-mail addresses and UPI ids, both anchored on `@`. From each `@` the scan expands left over local-part
 * characters and right over domain characters; neither expansion crosses another `@`, and the next search starts
 * after the domain, so every character is visited a bounded number of times.
 * A dotted domain with a real TLD makes an e-mail; a dot-less handle that is a known PSP makes a UPI id;
 * `pkg@1.2.3`, `pkg@latest`, `actions/checkout@v4` and `image@2x.png` are neither.
 */
import { UPI_CONTEXT, windowBefore } from '../context';
import type { PiiType } from '../types';

export type EmitCandidate = (type: PiiType, start: number, end: number) => void;

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const DOT = 0x2e;
const HYPHEN = 0x2d;

/** UPI payment-service-provider handles (NPCI list, common ones). Matched case-insensitively. */
const UPI_HANDLES = new Set([
  'upi',
  'ybl',
  'ibl',
  'axl',
  'apl',
  'yapl',
  'rapl',
  'paytm',
  'pthdfc',
  'ptsbi',
  'ptyes',
  'ptaxis',
  'oksbi',
  'okhdfcbank',
  'okicici',
  'okaxis',
  'okbizaxis',
  'axisbank',
  'axisb',
  'hdfcbank',
  'icici',
  'sbi',
  'kotak',
  'kkbk',
  'idfcbank',
  'idfcfirst',
  'idfc',
  'indus',
  'pnb',
  'boi',
  'barodampay',
  'unionbankofindia',
  'uboi',
  'cnrb',
  'federal',
  'fbl',
  'hsbc',
  'sc',
  'citi',
  'citigold',
  'dbs',
  'rbl',
  'yesbank',
  'yesbankltd',
  'waaxis',
  'wahdfcbank',
  'waicici',
  'wasbi',
  'jupiteraxis',
  'fam',
  'slice',
  'freecharge',
  'ikwik',
  'mbk',
  'airtel',
  'airtelpaymentsbank',
  'jio',
  'pingpay',
  'postbank',
  'timecosmos',
  'abfspay',
  'aubank',
  'bandhan',
  'equitas',
  'kbl',
  'kvb',
  'tjsb',
  'dlb',
  'ubi',
  'canarabank',
  'cbin',
  'centralbank',
  'iob',
  'indianbank',
  'allbank',
  'andb',
  'psb',
  'csbpay',
  'dcb',
  'hdfcbankjd',
  'cmsidfc',
  'goaxb',
  'naviaxis',
  'superyes',
  'tapicici',
  'icicipay',
  'amazonpay',
  'apay',
  'okpayaxis',
  'ptaxis',
  'shriramhdfcbank',
  'axisbiz',
  'mahb',
  'lvb',
  'obc',
  'vijb',
  'syndicate',
  'sib',
  'icicibank',
  'okkotak',
  'kotak811',
  'nsdl',
  'yesg',
  'kvbank',
  'unionbank',
]);

/** File extensions that follow `@2x`-style asset names; never a TLD of an address in practice. */
const NOT_TLDS = new Set([
  'js',
  'ts',
  'py',
  'rb',
  'md',
  'sh',
  'go',
  'rs',
  'kt',
  'cs',
  'gz',
  'db',
  'so',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'pdf',
  'txt',
  'json',
  'yaml',
  'yml',
  'xml',
  'html',
  'htm',
  'css',
  'scss',
  'tsx',
  'jsx',
  'mjs',
  'cjs',
  'lock',
  'zip',
  'tar',
  'tgz',
  'exe',
  'dll',
  'bin',
  'log',
  'csv',
  'ini',
  'cfg',
  'conf',
  'toml',
  'map',
  'wasm',
  'ico',
  'mp4',
  'mp3',
  'wav',
  'docx',
  'xlsx',
  'pptx',
  'doc',
  'xls',
  'ppt',
  'java',
  'class',
  'jar',
  'php',
  'swift',
  'dart',
  'vue',
  'lua',
  'git',
  'bak',
  'tmp',
  'old',
  'orig',
  'min',
  'avif',
  'heic',
]);

/** Hosts whose `git@` address is a repository remote, not a person. */
const GIT_HOSTS = /^(?:github\.com|gitlab\.com|bitbucket\.org|ssh\.dev\.azure\.com|vs-ssh\.visualstudio\.com)$/i;

function isLocalChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x2d ||
    c === 0x2b ||
    c === 0x25
  );
}

function isDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}

function isAlpha(s: string): boolean {
  return /^[a-z]+$/i.test(s);
}

/** The local part `text[from, to)` (non-empty) neither starts nor ends with a dot and has no `..`. */
function validLocal(text: string, from: number, to: number): boolean {
  if (to <= from || text.charCodeAt(from) === DOT || text.charCodeAt(to - 1) === DOT) return false;
  for (let p = from + 1; p < to; p++) if (text.charCodeAt(p) === DOT && text.charCodeAt(p - 1) === DOT) return false;
  return true;
}

/**
 * The domain `text[from, to)` (domain characters only) has at least two dot-separated labels of 1–63 characters
 * that neither start nor end with `-`, and its TLD is 2–24 letters and not a file extension. Walked in place: it
 * runs for every address-like `@`.
 */
function validDomain(text: string, from: number, to: number): boolean {
  let labelStart = from;
  let labels = 0;
  for (let p = from; p <= to; p++) {
    if (p < to && text.charCodeAt(p) !== DOT) continue;
    const length = p - labelStart;
    if (length === 0 || length > 63 || text.charCodeAt(labelStart) === HYPHEN || text.charCodeAt(p - 1) === HYPHEN) {
      return false;
    }
    labels++;
    if (p < to) labelStart = p + 1;
  }
  if (labels < 2) return false;
  const tldLength = to - labelStart;
  if (tldLength < 2 || tldLength > 24) return false;
  for (let p = labelStart; p < to; p++) {
    const c = text.charCodeAt(p) | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return !NOT_TLDS.has(text.slice(labelStart, to).toLowerCase());
}

/** A known PSP handle, or any alphabetic handle when the text right before speaks of UPI. */
function isUpiHandle(text: string, start: number, domain: string): boolean {
  const psp = domain.toLowerCase();
  if (UPI_HANDLES.has(psp)) return true;
  return psp.length >= 2 && psp.length <= 20 && isAlpha(psp) && UPI_CONTEXT.test(windowBefore(text, start, 40));
}

/** Emits EMAIL and IN_UPI candidates. */
export function scanAtSigns(text: string, emit: EmitCandidate): void {
  const n = text.length;
  let at = text.indexOf('@');
  while (at >= 0) {
    if (at === 0 || !isLocalChar(text.charCodeAt(at - 1))) {
      at = text.indexOf('@', at + 1);
      continue;
    }
    let s = at;
    while (s > 0 && at - s <= MAX_LOCAL && isLocalChar(text.charCodeAt(s - 1))) s--;
    let e = at + 1;
    while (e < n && e - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(e))) e++;
    const next = e > at + 1 ? e : at + 1;
    // Sentence punctuation and a leading dot are not part of the address.
    while (s < at && (text.charCodeAt(s) === DOT || text.charCodeAt(s) === HYPHEN)) s++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === DOT || text.charCodeAt(e - 1) === HYPHEN)) e--;
    // Cheap rejections before any allocation: adversarial input can hold a million `@`s.
    if (s === at || e - at < 3) {
      at = text.indexOf('@', next);
      continue;
    }
    const tooLong = at - s > MAX_LOCAL;
    if (!tooLong && validLocal(text, s, at)) {
      const before = s > 0 ? text.charCodeAt(s - 1) : 0x20;
      // `/` or `@` right before the local part: a path (`actions/checkout@v4`) or scoped package (`@org/pkg@1`).
      const pathLike = before === 0x2f || before === 0x40;
      let dotted = false;
      for (let p = at + 1; p < e && !dotted; p++) dotted = text.charCodeAt(p) === DOT;
      if (dotted) {
        const gitRemote = at - s === 3 && text.startsWith('git', s) && GIT_HOSTS.test(text.slice(at + 1, e));
        if (!pathLike && !gitRemote && validDomain(text, at + 1, e)) emit('EMAIL', s, e);
      } else if (!pathLike && at - s >= 2 && isUpiHandle(text, s, text.slice(at + 1, e))) {
        emit('IN_UPI', s, e);
      }
    }
    at = text.indexOf('@', next);
  }
}
