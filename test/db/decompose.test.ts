import { describe, expect, it } from "vitest";
import { decompose } from "../../db/stores/rollups.ts";

describe("splitting a date range over the rollups", () => {
  it("uses whole years, then quarters, then months, then days", () => {
    expect(decompose("2020-11-15", "2023-05-10", "year")).toEqual([
      { source: "days", from: "2020-11-15", to: "2020-11-30" },
      { source: "month", from: "2020-12", to: "2020-12" },
      { source: "year", from: "2021", to: "2022" },
      { source: "quarter", from: "2023-Q1", to: "2023-Q1" },
      { source: "month", from: "2023-04", to: "2023-04" },
      { source: "days", from: "2023-05-01", to: "2023-05-10" },
    ]);
  });

  it("never goes coarser than the grouping", () => {
    expect(decompose("2021-01-01", "2021-12-31", "month")).toEqual([
      { source: "month", from: "2021-01", to: "2021-12" },
    ]);
    expect(decompose("2021-01-01", "2021-12-31", "quarter")).toEqual([
      { source: "quarter", from: "2021-Q1", to: "2021-Q4" },
    ]);
    expect(decompose("2021-01-01", "2025-12-31", "year")).toEqual([{ source: "year", from: "2021", to: "2025" }]);
  });

  it("handles single days, month ends and leap years", () => {
    expect(decompose("2024-02-29", "2024-02-29", "year")).toEqual([
      { source: "days", from: "2024-02-29", to: "2024-02-29" },
    ]);
    expect(decompose("2024-02-01", "2024-02-29", "year")).toEqual([
      { source: "month", from: "2024-02", to: "2024-02" },
    ]);
    expect(decompose("2024-02-02", "2024-03-31", "year")).toEqual([
      { source: "days", from: "2024-02-02", to: "2024-02-29" },
      { source: "month", from: "2024-03", to: "2024-03" },
    ]);
    expect(decompose("2024-03-02", "2024-03-01", "year")).toEqual([]);
  });
});
