/**
 * Business-hours evaluation for the `CallsOutsideBusinessHours` metric: pure, IANA time zones through `Intl`
 * (no time-zone library), so daylight-saving changes follow the runtime's tz database.
 */
import type { TenantConfig } from '../policy/tenant-config';

/** A tenant's configured business hours (`tenants[].businessHours`). */
export type BusinessHours = NonNullable<TenantConfig['businessHours']>;

/** Thrown when a business-hours time zone is not a valid IANA zone (the message names it). */
export class InvalidTimeZoneError extends Error {
  constructor(readonly timeZone: string) {
    super(`businessHours.timezone "${timeZone}" is not an IANA time zone known to this runtime`);
    this.name = 'InvalidTimeZoneError';
  }
}

const ISO_WEEKDAY: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new InvalidTimeZoneError(timeZone);
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

/** Wall-clock weekday (ISO, 1 = Monday) and minute of the day of `date` in `timeZone`. */
export function localWeekdayAndMinute(date: Date, timeZone: string): { isoWeekday: number; minuteOfDay: number } {
  let weekday = '';
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(date)) {
    if (part.type === 'weekday') weekday = part.value;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  const isoWeekday = ISO_WEEKDAY[weekday];
  if (isoWeekday === undefined) throw new InvalidTimeZoneError(timeZone);
  return { isoWeekday, minuteOfDay: hour * 60 + minute };
}

function minutes(hhmm: string): number {
  const [hours = '0', mins = '0'] = hhmm.split(':');
  return Number(hours) * 60 + Number(mins);
}

/** Throws {@link InvalidTimeZoneError} now rather than on the first call (cold-start validation). */
export function assertValidTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/**
 * True when `date` falls outside `hours`. The window is `[start, end)` in the zone's wall-clock time on the
 * listed ISO weekdays; when `end` is earlier than `start` the window runs overnight and belongs to the day it
 * starts on (Fri 22:00-06:00 covers Saturday 03:00); `start == end` means the whole listed day.
 */
export function isOutsideBusinessHours(date: Date, hours: BusinessHours): boolean {
  const { isoWeekday, minuteOfDay } = localWeekdayAndMinute(date, hours.timezone);
  const start = minutes(hours.start);
  const end = minutes(hours.end);
  const days = new Set(hours.days);
  let inside: boolean;
  if (start === end) {
    inside = days.has(isoWeekday);
  } else if (start < end) {
    inside = days.has(isoWeekday) && minuteOfDay >= start && minuteOfDay < end;
  } else {
    const previousDay = isoWeekday === 1 ? 7 : isoWeekday - 1;
    inside = (days.has(isoWeekday) && minuteOfDay >= start) || (days.has(previousDay) && minuteOfDay < end);
  }
  return !inside;
}
