/*
 * Instants to and from their UTC text, by arithmetic on the calendar. V8's
 * Date.prototype.toISOString() and its date-string parser are calls into the
 * runtime that cost about a microsecond each; a page of users is a hundred
 * rows with two instants each, read from text and written back as text. The
 * arithmetic below gives the same results (the specs compare them over
 * centuries of instants) several times faster, for years 0 to 9999; anything
 * else goes to the built-ins.
 */

const MS_PER_DAY = 86_400_000;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_SHIFT_DAYS = 719_468;
const DAYS_PER_ERA = 146_097;
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const DIGIT_0 = 0x30;

/** Days since 1970-01-01 of a date; month 1 to 12 (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_ERA + dayOfEra - EPOCH_SHIFT_DAYS;
}

/** The date of a day since 1970-01-01 (civil_from_days). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / DAYS_PER_ERA);
  const dayOfEra = z - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const YEAR_10000 = daysFromCivil(10_000, 1, 1) * MS_PER_DAY;
const YEAR_0 = daysFromCivil(0, 1, 1) * MS_PER_DAY;

/** `date.toISOString()`: the same text (and the same RangeError for an invalid date), faster. */
export function utcIsoString(date: Date): string {
  const time = date.getTime();
  if (!(time >= YEAR_0 && time < YEAR_10000)) return date.toISOString();
  const days = Math.floor(time / MS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  let rest = time - days * MS_PER_DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const ms = rest - seconds * 1000;
  const yyyy = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  const mmm = ms >= 100 ? String(ms) : ms >= 10 ? `0${ms}` : `00${ms}`;
  return `${yyyy}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${mmm}Z`;
}

/** The number written by `length` ASCII digits from `at`, or NaN when one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i += 1) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * The instant of a UTC date and time written exactly `YYYY-MM-DD?HH:MM:SS.mmm`,
 * with `separator` between date and time (a space, as TypeORM stores dates in
 * SQLite, or `T`); undefined for any other text, or for a date or time that
 * does not exist, which the caller reads the slow way.
 */
export function parseUtcDatetime(text: string, separator: ' ' | 'T'): Date | undefined {
  if (
    text.length !== 23 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== separator ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[19] !== '.'
  ) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  const ms = digits(text, 20, 3);
  // NaN fails every comparison, so a non-digit anywhere ends up here too.
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hours <= 23 &&
    minutes <= 59 &&
    seconds <= 59 &&
    ms >= 0;
  if (!valid) return undefined;
  return new Date(daysFromCivil(year, month, day) * MS_PER_DAY + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms);
}
