import { addDays } from "./dates.ts";

/** Where a year's working days come from. */
export type CalendarSource = "official" | "configured" | "weekdays";

/**
 * China's working days: Monday to Friday, except the public holidays and with the make-up
 * working Saturdays and Sundays (调休) the State Council announces each year. A year with no
 * announced data counts Monday to Friday, and says so (`sourceOf`).
 */
export interface WorkingCalendar {
  /** What the data is, e.g. "chinese-days 1.5.7". */
  readonly name: string;
  isWorkingDay(date: string): boolean;
  sourceOf(year: number): CalendarSource;
}

const isWeekday = (date: string) => {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
};

/** Monday to Friday only: where no official data is wanted (and for years no data covers). */
export const WEEKDAYS_ONLY: WorkingCalendar = {
  name: "Monday to Friday",
  isWorkingDay: isWeekday,
  sourceOf: () => "weekdays",
};

export interface CalendarDays {
  name: string;
  /** Days off that would be working days (public holidays), by date. */
  holidays: ReadonlySet<string>;
  /** Saturdays and Sundays worked in lieu (调休), by date. */
  workdays: ReadonlySet<string>;
  /** The years the data covers, and where each year's data comes from. */
  years: ReadonlyMap<number, Exclude<CalendarSource, "weekdays">>;
}

export function calendarOf(days: CalendarDays): WorkingCalendar {
  return {
    name: days.name,
    isWorkingDay: (date) => days.workdays.has(date) || (!days.holidays.has(date) && isWeekday(date)),
    sourceOf: (year) => days.years.get(year) ?? "weekdays",
  };
}

/** The date `workingDays` working days after `date` (the date itself never counts). */
export function addWorkingDays(calendar: WorkingCalendar, date: string, workingDays: number): string {
  let day = date;
  for (let left = workingDays; left > 0; ) {
    day = addDays(day, 1);
    if (calendar.isWorkingDay(day)) left--;
  }
  return day;
}

/** Which data counted the working days of years from..to: what an overdue list says it used. */
export function calendarYears(calendar: WorkingCalendar, fromYear: number, toYear: number) {
  const years: { year: number; source: CalendarSource }[] = [];
  for (let year = fromYear; year <= toYear; year++) years.push({ year, source: calendar.sourceOf(year) });
  return { name: calendar.name, years };
}
