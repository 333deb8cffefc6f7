import { parseUtcDatetime, utcIsoString } from './utc-instants';

/** Instants spread over [from, to) years, from a fixed seed so a failure can be replayed. */
function instants(count: number, fromYear: number, toYear: number): Date[] {
  const from = Date.UTC(fromYear, 0, 1);
  const span = Date.UTC(toYear, 0, 1) - from;
  let seed = 0x2f6b_1d3a;
  const next = (): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  return Array.from({ length: count }, () => new Date(from + Math.floor(next() * span)));
}

/** Edges of the calendar: leap days, century years, ends of months, of days and of the range. */
const EDGES = [
  '0000-01-01T00:00:00.000Z',
  '0000-02-29T12:00:00.001Z',
  '0999-12-31T23:59:59.999Z',
  '1900-02-28T23:59:59.999Z',
  '1900-03-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '2000-02-29T00:00:00.000Z',
  '2024-02-29T10:20:30.040Z',
  '2026-12-31T23:59:59.999Z',
  '2100-03-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
].map((text) => new Date(text));

describe('utcIsoString', () => {
  it('writes what toISOString() writes, for every instant tried from year 0 to 9999', () => {
    const dates = [...EDGES, ...instants(200_000, 0, 10_000), ...instants(50_000, 1960, 2100)];
    // One expect for the lot: an expect per instant would take most of a minute.
    expect(dates.filter((date) => utcIsoString(date) !== date.toISOString()).map(String)).toEqual([]);
  });

  it('leaves years outside 0 to 9999 to toISOString(), and throws as it does for an invalid date', () => {
    for (const date of [new Date(Date.UTC(-1, 0, 1)), new Date(Date.UTC(10_000, 0, 1)), new Date(8.64e15)]) {
      expect(utcIsoString(date)).toBe(date.toISOString());
    }
    expect(() => utcIsoString(new Date(NaN))).toThrow(RangeError);
  });
});

describe('parseUtcDatetime', () => {
  it('reads the instant the built-in parser reads from the same text, with either separator', () => {
    const misread = [...EDGES, ...instants(200_000, 0, 10_000)]
      .map((date) => date.toISOString())
      .filter((iso) => {
        const time = new Date(iso).getTime();
        const stored = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
        return parseUtcDatetime(stored, ' ')?.getTime() !== time || parseUtcDatetime(iso.slice(0, 23), 'T')?.getTime() !== time;
      });
    expect(misread).toEqual([]);
  });

  it.each([
    ['2026-01-13 10:05:00', 'no milliseconds'],
    ['2026-01-13 10:05:00.000Z', 'a zone'],
    ['2026-01-13T10:05:00.000', 'the other separator'],
    ['2026-1-13 10:05:00.0000', 'a one-digit month'],
    ['2026-01-13 10:05:0a.000', 'a letter'],
    ['2026-01-13 10:05:-1.000', 'a sign'],
    ['2026-13-01 10:05:00.000', 'month 13'],
    ['2026-00-10 10:05:00.000', 'month 0'],
    ['2026-02-29 10:05:00.000', 'a day 2026 does not have'],
    ['1900-02-29 10:05:00.000', 'a day 1900 does not have'],
    ['2026-04-31 10:05:00.000', 'April 31'],
    ['2026-01-00 10:05:00.000', 'day 0'],
    ['2026-01-13 24:00:00.000', 'hour 24'],
    ['2026-01-13 10:60:00.000', 'minute 60'],
    ['2026-01-13 10:05:60.000', 'second 60'],
    ['', 'nothing'],
  ])('leaves %s (%s) to the caller', (text) => {
    expect(parseUtcDatetime(text, ' ')).toBeUndefined();
  });

  it('reads leap days where they exist', () => {
    expect(parseUtcDatetime('2000-02-29 00:00:00.000', ' ')?.toISOString()).toBe('2000-02-29T00:00:00.000Z');
    expect(parseUtcDatetime('2024-02-29 23:59:59.999', ' ')?.toISOString()).toBe('2024-02-29T23:59:59.999Z');
  });
});
