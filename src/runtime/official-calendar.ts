import data from "chinese-days/dist/chinese-days.json" with { type: "json" };
import pkg from "chinese-days/package.json" with { type: "json" };
import { z } from "zod";
import { type CalendarSource, calendarOf, type WorkingCalendar } from "../domain/working-days.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");

/**
 * LEDGER_WORKING_DAYS: the working-day calendar of a year the shipped data does not know yet (or
 * corrects one): `{ "holidays": ["2027-01-01", ...], "workdays": ["2027-02-07", ...] }`. Every
 * year named by a date here is taken from it alone, in place of the shipped data for that year.
 */
export const WorkingDaysOverride = z
  .object({ holidays: z.array(isoDate).default([]), workdays: z.array(isoDate).default([]) })
  .strict();

export type WorkingDaysOverride = z.infer<typeof WorkingDaysOverride>;

/**
 * The official calendar: the State Council's holidays and make-up working days as the
 * `chinese-days` package ships them (2004 to the last year announced before its release), with
 * the configured years on top.
 */
export function officialCalendar(override: WorkingDaysOverride = { holidays: [], workdays: [] }): WorkingCalendar {
  const yearOf = (date: string) => Number(date.slice(0, 4));
  const configured = new Set([...override.holidays, ...override.workdays].map(yearOf));
  const shipped = (dates: Record<string, unknown>) => Object.keys(dates).filter((d) => !configured.has(yearOf(d)));
  const holidays = new Set([...shipped(data.holidays), ...override.holidays]);
  const workdays = new Set([...shipped(data.workdays), ...override.workdays]);
  const years = new Map<number, Exclude<CalendarSource, "weekdays">>();
  for (const date of Object.keys(data.holidays)) years.set(yearOf(date), "official");
  for (const year of configured) years.set(year, "configured");
  const name = `chinese-days ${pkg.version}${configured.size > 0 ? ` + LEDGER_WORKING_DAYS (${[...configured].sort().join(", ")})` : ""}`;
  return calendarOf({ name, holidays, workdays, years });
}
