/**
 * Business dates are China Standard Time (UTC+8, no daylight saving since 1991): a registration
 * at 23:30 UTC on 31 December belongs to the next year.
 */
const CST_OFFSET_MS = 8 * 60 * 60 * 1000;

export function chinaDate(instant: Date): string {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** "2025-07" (or a date in it) → "2025-Q3". */
export function quarterOf(month: string): string {
  return `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The date `workingDays` Monday-to-Friday days after `date`, in constant time (it runs for every
 * contract shown or written). A Saturday or Sunday start counts as the Friday before it: the next
 * working day after any of the three is the same Monday.
 */
export function addWorkingDays(date: string, workingDays: number): string {
  if (workingDays <= 0) return date;
  const start = Date.parse(`${date}T00:00:00Z`);
  const weekday = (new Date(start).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const position = Math.min(weekday, 4);
  const friday = start - (weekday - position) * DAY_MS;
  const target = position + workingDays;
  const days = Math.floor(target / 5) * 7 + (target % 5) - position;
  return new Date(friday + days * DAY_MS).toISOString().slice(0, 10);
}
