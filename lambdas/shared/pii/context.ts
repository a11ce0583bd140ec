/**
 * Context words for formats that are ambiguous on their own. Each test looks only at a short window around a
 * candidate, so the cost is proportional to the number of candidates, not to the text.
 * English words are matched on ASCII word boundaries; Hindi and Arabic words are matched as substrings because
 * `\b` is ASCII-only in JavaScript.
 */

/** Lower-cased text in `[start - before, end + after)`, clamped to the string. */
export function windowAround(text: string, start: number, end: number, before: number, after: number): string {
  return text.slice(Math.max(0, start - before), Math.min(text.length, end + after)).toLowerCase();
}

/** Lower-cased text just before a candidate. */
export function windowBefore(text: string, start: number, before: number): string {
  return text.slice(Math.max(0, start - before), start).toLowerCase();
}

export const PHONE_CONTEXT =
  /\b(?:phone|phones|mobile|mob|cell|cellphone|call|called|calling|tel|telephone|contact|whatsapp|sms|text me|reach|dial|ph|landline|fax)\b|फ़ोन|फोन|मोबाइल|संपर्क|هاتف|جوال|الجوال|موبايل|اتصل|رقم التواصل/;

export const AADHAAR_CONTEXT = /\b(?:aadhaar|aadhar|adhaar|uidai|uid|e-?kyc)\b|आधार/;

/** AWS account ids are 12 digits and pass Verhoeff one time in ten. */
export const AWS_ACCOUNT_CONTEXT =
  /\b(?:aws|amazon|account ?id|accountid|account_id|acct|arn|iam|principal|payer|linked account|organizations?|sts|assume ?role|cloudtrail|owner ?id|ownerid)\b/;

/** Words after which a bare number is an identifier of a thing, not of a person. */
export const NON_PERSONAL_NUMBER_CONTEXT =
  /\b(?:order|orders|invoice|inv|txn|transaction|trx|ref|reference|ticket|tracking|awb|shipment|consignment|booking|pnr|sku|serial|s\/n|batch|lot|po|receipt|case|incident|build|job|run|issue|pr|commit|request ?id|req|trace|span|session|correlation|message ?id|msg|port|pid|uid|gid|checksum|crc|hash|size|bytes|count|total|amount|rs|inr|usd|aed|sar|qty|quantity|version|row|line|offset|page|record|item|product|model|part|ext|extension|a\/c|account|acct|ac no|package|parcel|delivery|courier|fedex|ups|dhl|usps|bluedart|delhivery|shipped|dispatched|container|voucher|coupon|claim|policy|loan|folio|certificate|registration|reg|licen[cs]e|permit|utr|rrn|imps ref|upi ref|arn|sequence|seq|build no|partition|shard|cluster|node|revision|rev|balance|price|cost|fee|fees|salary|limit|revenue|paise|credits|points)\b|(?:user|customer|cust|order|client|tenant|org|account|device|session|request|trace|item|product|member|employee|emp|merchant|store|txn|transaction|payment|invoice|ticket|msg|message|event|record|row|object|entity|resource|instance|job|task|build|run|node|app|project|vendor|supplier|policy|claim|case)[ _-]?(?:id|no|num|number)\b|#\s*$/;

/** Words before a 10-digit number that make it an epoch timestamp rather than a Saudi id. */
export const TIME_CONTEXT =
  /\b(?:time|times|ts|epoch|unix|timestamp|created|updated|modified|expires?|expiry|exp|iat|nbf|auth_time|seconds|secs|sec|ms|millis|date|last_?seen|logged|since|until)\b|(?:created|updated|modified|expires|issued|deleted|logged|sent|seen|started|ended)_?at\b|(?:_time|_ts|time_?stamp)\b/;

/** Log-level words right after a number: a log line that starts with an epoch timestamp. */
export const LOG_LINE_AFTER = /^\s{0,3}(?:\[|\|)?\s?(?:info|warn|warning|error|debug|trace|fatal|notice|crit)\b/;

export const SAUDI_ID_CONTEXT =
  /\b(?:national ?id|nid|saudi|ksa|iqama|muqeem|absher|resident ?id|citizen ?id|id number|id no)\b|هوية|الهوية|إقامة|اقامة|الإقامة|السعود|رقم الهوية|السجل المدني/;

export const CARD_CONTEXT =
  /\b(?:card|cards|visa|mastercard|master card|amex|american express|discover|diners|jcb|rupay|credit|debit|cc|ccn|pan|payment|billing|expiry|cvv|charged)\b|कार्ड|بطاقة/;

export const SSN_CONTEXT = /\b(?:ssn|ss#|social security|social sec|ssa|taxpayer|tin|itin)\b/;

export const PASSPORT_CONTEXT = /\b(?:passport|passports|passport no|travel document)\b|पासपोर्ट|جواز|جوازات/;

export const VOTER_CONTEXT = /\b(?:voter|voters|epic|election|electoral|elector)\b|मतदाता|निर्वाचन|वोटर/;

/** Words that say a handle is a UPI id even when its PSP is not in the known list. */
export const UPI_CONTEXT =
  /\b(?:upi|vpa|bhim|gpay|google pay|phonepe|phone pe|paytm|pay to|upi id|collect request)\b|यूपीआई/;

export const IFSC_CONTEXT =
  /\b(?:ifsc|ifs code|bank|branch|neft|rtgs|imps|a\/c|account|acct|beneficiary|payee|transfer|remit|remittance|salary|refund|credited|deposit)\b|बैंक|खाता|بنك|حساب/;

export const NETWORK_CONTEXT =
  /\b(?:ip|ips|ipv4|ip address|addr|address|host|hostname|server|src|dst|source|destination|client|clients|remote|peer|gateway|gw|subnet|cidr|netmask|mask|ping|ssh|sshd|http|https|tcp|udp|icmp|connect|connected|connection|connecting|firewall|acl|allow|allowed|deny|denied|block|blocked|dns|resolver|route|nat|vpn|proxy|forwarded|x-forwarded-for|inet|endpoint|listen|listening|bind|login|logged|from|origin|nginx|apache|rdp|allowlist|whitelist|blacklist|ingress|egress|security group|eth0|lan|wan|router|traffic|request|requests|attacker|scan|brute|lb|load balancer|vm|instance|private|public|static|dhcp|lease|socket)\b|आईपी|عنوان|الخادم/;

export const VERSION_CONTEXT =
  /\b(?:v|ver|version|versions|release|released|build|sdk|runtime|package|pkg|npm|pip|gem|maven|library|lib|upgrade|upgraded|upgrading|downgrade|downgraded|bump|bumped|patch|firmware|kernel|chrome|firefox|safari|edge|java|python|node|nodejs|semver|oid|snmp|mib|changelog|tag|tagged)\b/;

/** Words that label some other date, so a date after them is not the birth date mentioned earlier. */
export const OTHER_DATE_LABEL =
  /\b(?:joined|joining|join date|hired|hire date|issued|issue date|issue|expiry|expires|expiration|valid|validity|due|created|updated|modified|start|started|end|ended|admission|admitted|appointment|visit|visited|renewal|signed|effective|today|scheduled|deadline|since)\b/;

/** English birth words, on ASCII word boundaries. */
const BIRTH_WORDS_EN =
  "\\b(?:dob|d\\.o\\.b\\.?|date of birth|date-of-birth|date_of_birth|dateofbirth|birth ?date|birth_date|birthdate|birthday|born(?: on)?|b'day|bday)\\b";
/** Hindi and Arabic birth words, matched as substrings. */
const BIRTH_WORDS_NATIVE = 'जन्म तिथि|जन्मतिथि|जन्म दिनांक|जन्म|تاريخ الميلاد|الميلاد|مواليد|تاريخ الولادة|ميلاد';

/** Birth context, searched globally because DATE_OF_BIRTH is anchored on it. No `u` flag: it is ~10x slower here. */
export const BIRTH_CONTEXT_GLOBAL = new RegExp(`${BIRTH_WORDS_EN}|${BIRTH_WORDS_NATIVE}`, 'gi');

/**
 * The two halves of {@link BIRTH_CONTEXT_GLOBAL}, for a faster search with the same matches: the English words
 * (sticky, tried only where a cheap test says one may start) and the Hindi/Arabic words (global: they start with
 * a literal, which the regex engine searches quickly). No match of one half can start inside a match of the other.
 */
export const BIRTH_CONTEXT_EN_STICKY = new RegExp(BIRTH_WORDS_EN, 'iy');
export const BIRTH_CONTEXT_NATIVE_GLOBAL = new RegExp(BIRTH_WORDS_NATIVE, 'gi');
