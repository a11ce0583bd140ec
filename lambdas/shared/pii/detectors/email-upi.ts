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

function validLocal(local: string): boolean {
  return local.length > 0 && !local.startsWith('.') && !local.endsWith('.') && !local.includes('..');
}

function validDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || label.startsWith('-') || label.endsWith('-')) return false;
  }
  const tld = (labels.at(-1) ?? '').toLowerCase();
  return tld.length >= 2 && tld.length <= 24 && isAlpha(tld) && !NOT_TLDS.has(tld);
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
    while (s < at && (text.charCodeAt(s) === 0x2e || text.charCodeAt(s) === 0x2d)) s++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 0x2e || text.charCodeAt(e - 1) === 0x2d)) e--;
    // Cheap rejections before any allocation: adversarial input can hold a million `@`s.
    if (s === at || e - at < 3) {
      at = text.indexOf('@', next);
      continue;
    }
    const tooLong = at - s > MAX_LOCAL;
    const local = text.slice(s, at);
    const domain = text.slice(at + 1, e);
    if (!tooLong && validLocal(local) && domain.length > 0) {
      const before = s > 0 ? text.charCodeAt(s - 1) : 0x20;
      // `/` or `@` right before the local part: a path (`actions/checkout@v4`) or scoped package (`@org/pkg@1`).
      const pathLike = before === 0x2f || before === 0x40;
      if (domain.includes('.')) {
        const gitRemote = local === 'git' && GIT_HOSTS.test(domain);
        if (!pathLike && !gitRemote && validDomain(domain)) emit('EMAIL', s, e);
      } else if (!pathLike && local.length >= 2 && isUpiHandle(text, s, domain)) {
        emit('IN_UPI', s, e);
      }
    }
    at = text.indexOf('@', next);
  }
}
