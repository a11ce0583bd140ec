import {
  InvalidTimeZoneError,
  isOutsideBusinessHours,
  localWeekdayAndMinute,
} from '../../../../lambdas/shared/observability/business-hours';

const weekdays9to18 = (timezone: string) => ({ timezone, days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' });

describe('isOutsideBusinessHours', () => {
  test.each([
    // Asia/Kolkata is UTC+05:30, no DST.
    ['Kolkata Monday 09:00 local (03:30Z) is inside', '2026-11-23T03:30:00Z', 'Asia/Kolkata', false],
    ['Kolkata Monday 08:59 local is outside', '2026-11-23T03:29:00Z', 'Asia/Kolkata', true],
    ['Kolkata Monday 17:59 local is inside', '2026-11-23T12:29:00Z', 'Asia/Kolkata', false],
    ['Kolkata Monday 18:00 local is outside (end exclusive)', '2026-11-23T12:30:00Z', 'Asia/Kolkata', true],
    [
      'Sunday 20:00Z is Monday 01:30 in Kolkata: weekday, but before 09:00',
      '2026-11-22T20:00:00Z',
      'Asia/Kolkata',
      true,
    ],
    ['Friday 19:00Z is Saturday 00:30 in Kolkata: weekend', '2026-11-27T19:00:00Z', 'Asia/Kolkata', true],
    ['Friday 10:00 in Kolkata is inside', '2026-11-27T04:30:00Z', 'Asia/Kolkata', false],
    // America/New_York: EST (UTC-5) in November, EDT (UTC-4) in July.
    ['New York Monday 09:30 EST (14:30Z) is inside', '2026-11-23T14:30:00Z', 'America/New_York', false],
    ['New York Monday 13:30Z is 08:30 EST: outside', '2026-11-23T13:30:00Z', 'America/New_York', true],
    ['New York Monday 13:30Z in July is 09:30 EDT: inside', '2026-07-06T13:30:00Z', 'America/New_York', false],
    ['Tuesday 02:00Z is still Monday 21:00 in New York: outside', '2026-11-24T02:00:00Z', 'America/New_York', true],
    ['UTC Saturday noon is outside', '2026-11-28T12:00:00Z', 'UTC', true],
  ])('%s', (_name, iso, timezone, expected) => {
    expect(isOutsideBusinessHours(new Date(iso), weekdays9to18(timezone))).toBe(expected);
  });

  test.each([
    // Overnight shift Fri 22:00 - 06:00 (belongs to Friday) in UTC.
    ['Friday 23:00 is inside', '2026-11-27T23:00:00Z', false],
    ['Saturday 05:59 is inside (Friday shift)', '2026-11-28T05:59:00Z', false],
    ['Saturday 06:00 is outside', '2026-11-28T06:00:00Z', true],
    ['Friday 21:59 is outside', '2026-11-27T21:59:00Z', true],
    ['Saturday 23:00 is outside (no Saturday shift)', '2026-11-28T23:00:00Z', true],
  ])('overnight window: %s', (_name, iso, expected) => {
    expect(isOutsideBusinessHours(new Date(iso), { timezone: 'UTC', days: [5], start: '22:00', end: '06:00' })).toBe(
      expected,
    );
  });

  test('start == end means the whole listed day', () => {
    const allDaySunday = { timezone: 'UTC', days: [7], start: '00:00', end: '00:00' };
    expect(isOutsideBusinessHours(new Date('2026-11-29T03:00:00Z'), allDaySunday)).toBe(false);
    expect(isOutsideBusinessHours(new Date('2026-11-30T03:00:00Z'), allDaySunday)).toBe(true);
  });

  test('local weekday and minute across the date line', () => {
    expect(localWeekdayAndMinute(new Date('2026-11-22T23:45:00Z'), 'Pacific/Auckland')).toEqual({
      isoWeekday: 1,
      minuteOfDay: 12 * 60 + 45,
    });
  });

  test('an unknown time zone is a named error', () => {
    expect(() => isOutsideBusinessHours(new Date(), weekdays9to18('Mars/Olympus_Mons'))).toThrow(InvalidTimeZoneError);
    expect(() => isOutsideBusinessHours(new Date(), weekdays9to18('Mars/Olympus_Mons'))).toThrow(/Mars\/Olympus_Mons/);
  });
});
