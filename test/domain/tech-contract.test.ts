import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, chinaDate } from "../../src/domain/dates.ts";
import { addWorkingDays, calendarYears, WEEKDAYS_ONLY } from "../../src/domain/working-days.ts";
import { parseConfig } from "../../src/runtime/config.ts";
import { officialCalendar } from "../../src/runtime/official-calendar.ts";

/** 2027's calendar is announced late in 2026: whether the installed data has it yet. */
const official2027 = () => officialCalendar().sourceOf(2027);

import { flowOf, type PartyRecord, registrationNumber } from "../../src/domain/tech-contracts/tech-contract.ts";

const party = (regionCode: string, kind: PartyRecord["kind"] = "enterprise"): PartyRecord => ({
  organizationId: null,
  name: "x",
  creditCode: "x",
  kind,
  regionCode,
});

describe("technology contract rules", () => {
  it("dates business days in China Standard Time", () => {
    expect(chinaDate(new Date("2025-12-31T15:59:59.999Z"))).toBe("2025-12-31");
    expect(chinaDate(new Date("2025-12-31T16:00:00.000Z"))).toBe("2026-01-01");
    expect(chinaDate(new Date("2025-12-31T23:30:00.000Z"))).toBe("2026-01-01");
    expect(chinaDate(new Date("2025-06-30T16:00:00.000Z"))).toBe("2025-07-01");
  });

  it("counts working days Monday to Friday where no calendar data is wanted", () => {
    // 2025-06-02 is a Monday: 15 working days later is Monday 2025-06-23.
    expect(addWorkingDays(WEEKDAYS_ONLY, "2025-06-02", 15)).toBe("2025-06-23");
    // From a Friday, one working day is the Monday.
    expect(addWorkingDays(WEEKDAYS_ONLY, "2025-06-06", 1)).toBe("2025-06-09");
    // From a Saturday, 30 working days is six weeks later, on a Friday.
    expect(addWorkingDays(WEEKDAYS_ONLY, "2025-06-07", 30)).toBe("2025-07-18");
  });

  it("counts China's official working days: holidays skipped, make-up Saturdays and Sundays counted", () => {
    const official = officialCalendar();
    expect(official.name).toMatch(/^chinese-days \d+\.\d+\.\d+$/);
    // National Day 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked.
    expect(official.isWorkingDay("2025-09-28")).toBe(true);
    expect(official.isWorkingDay("2025-10-03")).toBe(false);
    expect(official.isWorkingDay("2025-10-11")).toBe(true);
    expect(addWorkingDays(official, "2025-09-30", 1)).toBe("2025-10-09");
    expect(addWorkingDays(official, "2025-09-26", 1)).toBe("2025-09-28");
    // Spring Festival 2026 (15-23 February off, 14 and 28 February worked): 15 working days
    // from Friday 6 February end on Thursday 5 March, where Monday to Friday would say 27 February.
    expect(addWorkingDays(official, "2026-02-06", 15)).toBe("2026-03-05");
    expect(addWorkingDays(WEEKDAYS_ONLY, "2026-02-06", 15)).toBe("2026-02-27");
    expect(official.sourceOf(2025)).toBe("official");
    expect(official.sourceOf(2099)).toBe("weekdays");
  });

  it("takes a year the shipped data does not know from LEDGER_WORKING_DAYS, and says it did", () => {
    const config = parseConfig({
      LEDGER_WORKING_DAYS: JSON.stringify({ holidays: ["2099-01-01", "2099-01-02"], workdays: ["2099-01-03"] }),
    });
    const calendar = officialCalendar(config.LEDGER_WORKING_DAYS);
    expect(calendar.sourceOf(2099)).toBe("configured");
    expect(calendar.name).toContain("LEDGER_WORKING_DAYS (2099)");
    // Thursday 1 and Friday 2 off, Saturday 3 worked.
    expect(addWorkingDays(calendar, "2098-12-31", 1)).toBe("2099-01-03");
    expect(calendarYears(calendar, 2025, 2027).years.map((y) => y.source)).toEqual([
      "official",
      "official",
      official2027(),
    ]);
    expect(() => parseConfig({ LEDGER_WORKING_DAYS: "{not json" })).toThrow(/LEDGER_WORKING_DAYS/);
    expect(() => parseConfig({ LEDGER_WORKING_DAYS: JSON.stringify({ holidays: ["1 May"] }) })).toThrow(
      /LEDGER_WORKING_DAYS/,
    );
  });

  it("counts working days exactly as stepping day by day over the weekdays would", () => {
    const stepping = (date: string, workingDays: number) => {
      let current = date;
      for (let left = workingDays; left > 0; ) {
        current = addDays(current, 1);
        const weekday = new Date(`${current}T00:00:00Z`).getUTCDay();
        if (weekday !== 0 && weekday !== 6) left--;
      }
      return current;
    };
    const day = fc.integer({ min: 0, max: 36_500 }).map((n) => addDays("2000-01-01", n));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 70 }), (date, n) => {
        expect(addWorkingDays(WEEKDAYS_ONLY, date, n)).toBe(stepping(date, n));
      }),
      { numRuns: 500 },
    );
  });

  it("numbers registrations year + region + six-digit serial", () => {
    expect(registrationNumber(2025, "540100", 7)).toBe("2025540100000007");
    expect(registrationNumber(2025, "540100", 123456)).toHaveLength(16);
  });

  it("classifies where the technology flows", () => {
    expect(flowOf(party("540102"), party("540124"))).toBe("within_city");
    expect(flowOf(party("540102"), party("540402"))).toBe("within_province");
    expect(flowOf(party("540102"), party("110105"))).toBe("out_of_province");
    expect(flowOf(party("540102"), party("810000", "hmt_enterprise"))).toBe("abroad");
    expect(flowOf(party("540102"), party("110105", "foreign_enterprise"))).toBe("abroad");
  });
});
