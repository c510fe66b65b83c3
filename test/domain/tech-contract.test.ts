import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, addWorkingDays, chinaDate } from "../../src/domain/dates.ts";
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

  it("counts working days Monday to Friday", () => {
    // 2025-06-02 is a Monday: 15 working days later is Monday 2025-06-23.
    expect(addWorkingDays("2025-06-02", 15)).toBe("2025-06-23");
    // From a Friday, one working day is the Monday.
    expect(addWorkingDays("2025-06-06", 1)).toBe("2025-06-09");
    // From a Saturday, 30 working days is six weeks later, on a Friday.
    expect(addWorkingDays("2025-06-07", 30)).toBe("2025-07-18");
  });

  it("counts working days in constant time exactly as stepping day by day would", () => {
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
        expect(addWorkingDays(date, n)).toBe(stepping(date, n));
      }),
      { numRuns: 2000 },
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
