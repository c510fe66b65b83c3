import { describe, expect, it } from "vitest";
import { BusyError } from "../../src/domain/errors.ts";
import { cachedRead, createReadCache } from "../../src/domain/ledger/read-cache.ts";
import { createSerialGate, mapInTurns, nextTurn, stringifyInTurns } from "../../src/domain/next-turn.ts";
import type { LedgerStore } from "../../src/domain/ports.ts";
import { toCsv, toCsvInTurns } from "../../src/http/csv.ts";

/** Counts the turns a task yields: a timer queued behind each of its yields runs meanwhile. */
async function turnsTaken<T>(task: (yieldTurn: () => Promise<void>) => Promise<T>) {
  let turns = 0;
  const result = await task(async () => {
    turns++;
    await nextTurn();
  });
  return { result, turns };
}

const rows = Array.from({ length: 3000 }, (_, i) => ({
  type: i % 3 ? "development" : "transfer",
  count: i,
  amount: `${i}.05`,
  skipped: undefined,
  previousYear: i % 2 ? { count: -i, note: 'quote " and \u2028 and 中文' } : null,
}));

describe("work in turns", () => {
  it("stringifyInTurns writes exactly what JSON.stringify writes, yielding between chunks of a long array", async () => {
    const value = { from: "2021-01-01", nothing: undefined, groupBy: ["month"], rows, totals: { count: 1 } };
    const { result, turns } = await turnsTaken((y) => stringifyInTurns(value, y));
    expect(result).toBe(JSON.stringify(value));
    expect(turns).toBeGreaterThanOrEqual(11); // 3000 rows, 256 per chunk
    for (const small of [[], [1, undefined, "x"], "text", 12, null, { a: [] }, rows.slice(0, 256), rows.slice(0, 257)])
      expect(await stringifyInTurns(small)).toBe(JSON.stringify(small));
  });

  it("mapInTurns maps like Array.map and yields every 256 items", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const { result, turns } = await turnsTaken((y) => mapInTurns(items, (n) => n * 2, y));
    expect(result).toEqual(items.map((n) => n * 2));
    expect(turns).toBe(3);
  });

  it("toCsvInTurns writes the same document as toCsv", async () => {
    const table = rows.map((r) => [r.type, r.count, r.amount, r.previousYear ? r.previousYear.note : null]);
    expect(await toCsvInTurns(["type", "count", "amount", "note"], table)).toBe(
      toCsv(["type", "count", "amount", "note"], table),
    );
  });

  it("a serial gate runs tasks one at a time, in order, and a failure does not stop the next", async () => {
    const gate = createSerialGate();
    const log: string[] = [];
    let running = 0;
    const task = (name: string, fail = false) =>
      gate(async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await nextTurn();
        await nextTurn();
        log.push(`end ${name}`);
        running--;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([task("a"), task("b", true), task("c")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("a serial gate lets a bounded number of tasks wait and refuses the next at once, until the queue drains", async () => {
    const gate = createSerialGate(2);
    let release = () => {};
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = gate(() => blocker.then(() => "running"));
    const waiting = [gate(async () => "first"), gate(async () => "second")];
    await expect(gate(async () => "third")).rejects.toBeInstanceOf(BusyError);
    await expect(gate(async () => "third")).rejects.toMatchObject({ retryAfterSeconds: 2 });
    release();
    expect(await Promise.all([running, ...waiting])).toEqual(["running", "first", "second"]);
    // A refused task ran nothing, and the drained gate takes work again.
    expect(await gate(async () => "again")).toBe("again");
  });

  it("a statistics question asked many times at once is computed once: the waiting ones find the first's answer", async () => {
    const store = { auditHead: async () => ({ seq: 7, hash: "h7" }) } as unknown as LedgerStore;
    const deps = { store, readCache: createReadCache(), serialReads: createSerialGate() };
    let computed = 0;
    const compute = async () => {
      computed++;
      await nextTurn();
      return { rows: [computed] };
    };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => cachedRead(deps, "breakdown", { groupBy: ["month"] }, "2026-12-06", compute)),
    );
    expect(computed).toBe(1);
    expect(answers.every((answer) => answer === answers[0])).toBe(true);
    // Another question is computed on its own.
    await cachedRead(deps, "breakdown", { groupBy: ["year"] }, "2026-12-06", compute);
    expect(computed).toBe(2);
  });
});
