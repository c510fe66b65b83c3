import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createOperator } from "../../src/domain/organizations/create-operator.ts";
import { verifyLedger } from "../../src/domain/verification/verify-ledger.ts";
import { runImport } from "../../src/import/run-import.ts";
import { createTestApp, type TestApp, validCreditCode } from "../support/app.ts";
import { givenRegisteredContract } from "../support/contracts.ts";
import { givenRoles, travel } from "../support/roles.ts";

const SELLER = validCreditCode(80_001);
const BUYER = validCreditCode(80_002, "540103");
const HEADER =
  "合同名称,合同编号,合同类别,合同子类,卖方名称,统一社会信用代码,卖方类型,卖方地区,买方名称,买方统一社会信用代码,买方类型,买方地区,签订日期,有效期起,有效期止,成交额(万元),技术交易额(万元),技术领域,知识产权类型,登记号,登记日期";
const row = (n: number, overrides: Partial<Record<string, string>> = {}) => {
  const cells: Record<string, string> = {
    title: `青稞育种技术开发 ${n}`,
    number: `HT-2020-${String(n).padStart(3, "0")}`,
    type: "技术开发",
    subType: "委托开发",
    seller: "西藏大学",
    sellerCode: SELLER,
    sellerKind: "高等院校",
    sellerRegion: "540102",
    buyer: "拉萨高原科技",
    buyerCode: BUYER,
    buyerKind: "企业法人",
    buyerRegion: "540103",
    signedOn: "2020-03-01",
    validFrom: "2020-03-01",
    validTo: "2021-03-01",
    total: "12.5",
    technology: "10",
    field: "农业",
    ip: "专利",
    registrationNumber: `2020540100${String(n).padStart(6, "0")}`,
    registeredOn: "2020-03-05",
    ...overrides,
  };
  return Object.values(cells).join(",");
};

function file(name: string, lines: string[]) {
  const path = join(mkdtempSync(join(tmpdir(), "ledger-import-")), name);
  writeFileSync(path, `\uFEFF${lines.join("\r\n")}\r\n`);
  return path;
}

async function ledger() {
  const t = await createTestApp();
  await createOperator(t.deps, "Dawa");
  return t;
}

const importing = (t: TestApp, path: string, options: { dryRun?: boolean; skipInvalid?: boolean } = {}) =>
  runImport(t.deps, { path, operator: "Dawa", ...options });

describe("historical import", () => {
  it("registers contracts of the earlier system as of their dates, keeps their numbers, doubles nothing on a re-run", async () => {
    const t = await ledger();
    const path = file("legacy.csv", [
      HEADER,
      row(1),
      // A patent licence filed under 技术转让 before the Civil Code's five types.
      row(2, { type: "技术转让", subType: "专利实施许可", total: "30", technology: "30", registeredOn: "2020-04-10" }),
    ]);
    const report = await importing(t, path);
    expect(report).toEqual({
      file: "legacy.csv",
      sha256: createHash("sha256").update(readFileSync(path)).digest("hex"),
      rows: 2,
      imported: 2,
      skipped: 0,
      invalid: [],
    });
    const { rows } = await sql<{ n: string; type: string; sub: string; total: number; on: string; serial: number }>`
      SELECT registration_number AS n, type, sub_type AS sub, total_fen AS total, registered_on AS "on",
        registration_serial AS serial FROM tech_contracts ORDER BY registration_number`.execute(t.database.db);
    expect(rows).toEqual([
      {
        n: "2020540100000001",
        type: "development",
        sub: "commissioned",
        total: 12_500_000,
        on: "2020-03-05",
        serial: 1,
      },
      {
        n: "2020540100000002",
        type: "license",
        sub: "patent_ordinary",
        total: 30_000_000,
        on: "2020-04-10",
        serial: 2,
      },
    ]);
    // New serials of that year continue after the largest imported one.
    expect(await t.deps.store.maxRegistrationSerial(2020)).toBe(2);
    // Counted on their dates.
    const roles = await givenRoles(t);
    const byYear = await t.call("GET", "/v1/statistics/contracts?from=2020-01-01&to=2020-12-31&groupBy=month", {
      token: roles.operator.token,
    });
    expect(byYear.json.rows.map((r: { month: string; totalAmount: string }) => [r.month, r.totalAmount])).toEqual([
      ["2020-03", "125000.00"],
      ["2020-04", "300000.00"],
    ]);
    // The run is in the audit chain: file, SHA-256, operator, rows; and every contract.
    const { rows: batches } = await sql<{ state: string }>`SELECT state FROM import_batches`.execute(t.database.db);
    expect(JSON.parse(batches[0]?.state ?? "{}")).toMatchObject({
      file: "legacy.csv",
      sha256: report.sha256,
      operator: "Dawa",
      rows: 2,
    });
    expect((await verifyLedger(t.deps)).ok).toBe(true);

    // Again, and a file that overlaps it with one new row (the same number spelled in full width).
    expect(await importing(t, path)).toMatchObject({ imported: 0, skipped: 2 });
    const overlap = file("more.csv", [HEADER, row(1, { number: "ＨＴ－2020－001" }), row(3)]);
    expect(await importing(t, overlap)).toMatchObject({ rows: 2, imported: 1, skipped: 1 });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });

  it("names every bad row by line, column and reason, and writes nothing unless told to skip them", async () => {
    const t = await ledger();
    const path = file("bad.csv", [
      HEADER,
      row(1),
      row(2, { sellerCode: "12540000MB0000001A", field: "天文" }),
      row(3, { total: "12.5万", registeredOn: "2020-02-30" }),
      row(4, { signedOn: "2099-01-01", validFrom: "2099-01-01", validTo: "2099-02-01", registeredOn: "2020-03-05" }),
    ]);
    const report = await importing(t, path);
    expect(report.imported).toBe(0);
    expect(report.invalid).toEqual(
      expect.arrayContaining([
        { line: 3, column: "统一社会信用代码", detail: expect.stringMatching(/check character/) },
        { line: 3, column: "技术领域", detail: expect.any(String) },
        { line: 4, column: "成交额(万元)", detail: expect.stringMatching(/amount/) },
        { line: 4, column: "登记日期", detail: expect.stringMatching(/date/) },
        { line: 5, column: "签订日期", detail: expect.stringMatching(/after today/) },
      ]),
    );
    const count = async () =>
      Number((await sql<{ n: number }>`SELECT count(*) AS n FROM tech_contracts`.execute(t.database.db)).rows[0]?.n);
    expect(await count()).toBe(0);
    expect(await importing(t, path, { dryRun: true, skipInvalid: true })).toMatchObject({ imported: 0 });
    expect(await count()).toBe(0);
    expect(await importing(t, path, { skipInvalid: true })).toMatchObject({ imported: 1 });
    expect(await count()).toBe(1);
    // An unknown column is refused before any row is read.
    const unknown = await importing(t, file("unknown.csv", [`${HEADER},备注`, `${row(9)},x`]));
    expect(unknown.invalid).toEqual([{ line: 1, column: "备注", detail: expect.stringMatching(/not a column/) }]);
  });

  it("reads English headers in yuan and .xlsx files alike", async () => {
    const t = await ledger();
    const english = [
      "title,contractNumber,type,subType,sellerName,sellerCreditCode,sellerKind,sellerRegion,buyerName,buyerCreditCode,buyerKind,buyerRegion,signedOn,validFrom,validTo,totalAmount,technologyAmount,techField,ipType,registrationNumber,registeredOn",
      `Highland barley breeding,EN-1,development,commissioned,Tibet University,${SELLER},university,540102,Lhasa Plateau Tech,${BUYER},enterprise,540103,2019-05-01,2019-05-01,2020-05-01,125000.50,100000,agriculture,patent,2019540100000007,2019-05-06`,
    ];
    expect(await importing(t, file("english.csv", english))).toMatchObject({ imported: 1, invalid: [] });
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("登记");
    for (const line of [HEADER, row(5, { registeredOn: "2020-06-01" })]) sheet.addRow(line.split(","));
    const xlsx = join(mkdtempSync(join(tmpdir(), "ledger-import-")), "legacy.xlsx");
    await workbook.xlsx.writeFile(xlsx);
    expect(await importing(t, xlsx)).toMatchObject({ rows: 1, imported: 1, invalid: [] });
    expect(await t.deps.store.maxRegistrationSerial(2019)).toBe(7);
  });

  it("refuses rows dated on or before the end of a published bulletin's period", async () => {
    const t = await ledger();
    const roles = await givenRoles(t);
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    await givenRegisteredContract(t, roles);
    await travel(t, roles, "2025-08-03T02:00:00.000Z");
    expect(
      (await t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period: "2025" } })).status,
    ).toBe(409);
    expect(
      (await t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period: "2025-07" } })).status,
    ).toBe(201);
    const report = await importing(
      t,
      file("late.csv", [
        HEADER,
        row(1),
        row(2, { signedOn: "2025-08-01", validFrom: "2025-08-01", validTo: "2026-08-01", registeredOn: "2025-08-02" }),
      ]),
    );
    expect(report.invalid).toEqual([
      {
        line: 2,
        column: "登记日期",
        detail: expect.stringMatching(/on or before 2025-07-31, the end of a published bulletin/),
      },
    ]);
    expect(report.imported).toBe(0);
  });

  it("imports older days after newer registrations, and bulletins of both still extend each other (trees are by day)", async () => {
    const t = await ledger();
    const roles = await givenRoles(t);
    await travel(t, roles, "2025-07-10T02:00:00.000Z");
    await givenRegisteredContract(t, roles);
    // Written after the July registration, dated in 2020.
    expect(await importing(t, file("legacy.csv", [HEADER, row(1), row(2)]))).toMatchObject({ imported: 2 });
    await travel(t, roles, "2025-08-03T02:00:00.000Z");
    const publish = (period: string) =>
      t.call("POST", "/v1/bulletins", { token: roles.operator.token, body: { period } });
    const year2020 = await publish("2020");
    expect(year2020.status, year2020.text).toBe(201);
    expect(year2020.json.payload.merkle.treeSize).toBe(2);
    const july = await publish("2025-07");
    expect(july.status, july.text).toBe(201);
    expect(july.json.payload.merkle.treeSize).toBe(3);
    const jwks = (await t.call("GET", "/.well-known/jwks.json")).json;
    const { checkBulletin } = await import("../../src/bulletins/verify-bulletin.ts");
    expect(await checkBulletin({ bulletin: july.json, jwks, previous: year2020.json })).toMatchObject({ ok: true });
    expect((await verifyLedger(t.deps)).ok).toBe(true);
  });
});
