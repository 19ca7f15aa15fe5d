// Instants as the processors write and read them (System.Text.Json): an instant without an offset is UTC.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 400 Gregorian years, the calendar's exact cycle, for years that Date.UTC would read as 19xx. */
const CYCLE_MS = 146_097 * 86_400_000;

/**
 * An ISO-8601 date or date-time as System.Text.Json reads one (`2025-07-10`, `2025-07-10T12:34`,
 * `…:56`, `…:56.1234567`, then `Z`, `±hh:mm` or nothing for UTC) in epoch ms; NaN for anything else,
 * including dates that do not exist. Hand-written because it runs for every payment, and Date.parse takes
 * 30 February and other formats.
 */
export function parseInstant(text: string): number {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1)) return Number.NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return Number.NaN;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let offsetMinutes = 0;
  let at = 10;
  if (at < length) {
    if (text.charCodeAt(at) !== 84 /* T */ || length < 16 || text.charCodeAt(13) !== 58) return Number.NaN;
    hour = digits(text, 11, 2);
    minute = digits(text, 14, 2);
    at = 16;
    if (text.charCodeAt(at) === 58 /* : */) {
      second = digits(text, at + 1, 2);
      at += 3;
      if (text.charCodeAt(at) === 46 /* . */) {
        const start = ++at;
        while (at < length && isDigit(text.charCodeAt(at))) at++;
        const count = at - start;
        if (count < 1 || count > 9) return Number.NaN;
        ms = digits(text, start, Math.min(count, 3)) * 10 ** (3 - Math.min(count, 3));
      }
    }
    if (!(hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
    const zone = text.charCodeAt(at);
    if (zone === 90 /* Z */) at++;
    else if (zone === 43 || zone === 45 /* + - */) {
      if (text.charCodeAt(at + 3) !== 58) return Number.NaN;
      const hours = digits(text, at + 1, 2);
      const minutes = digits(text, at + 4, 2);
      if (!(hours <= 14 && minutes <= 59)) return Number.NaN;
      offsetMinutes = (zone === 43 ? 1 : -1) * (hours * 60 + minutes);
      at += 6;
    }
    if (at !== length) return Number.NaN;
  }
  const utc = year < 100 ? Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - CYCLE_MS : Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return utc - offsetMinutes * 60_000;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The decimal number in text[at, at+count), or NaN when a character is not a digit (or missing). */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return Number.NaN;
    value = value * 10 + code - 48;
  }
  return value;
}
