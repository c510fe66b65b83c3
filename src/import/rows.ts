import { RecordContractBody } from "../../contracts/tech-contracts.ts";
import { chinaDate } from "../domain/dates.ts";
import type { ContractInput } from "../domain/tech-contracts/tech-contract-input.ts";
import { clockFieldErrors } from "../domain/tech-contracts/tech-contract-input.ts";
import { type Column, cellValue, columnOf, IMPORT_FIELDS, type ImportField } from "./columns.ts";

/** One contract of a historical file, valid by the API's own rules, with its original registration. */
export interface ImportedContract {
  line: number;
  input: ContractInput;
  registrationNumber: string;
  registeredOn: string;
}

export interface RowProblem {
  line: number;
  column: string;
  detail: string;
}

const REQUIRED: readonly ImportField[] = IMPORT_FIELDS.filter((f) => f !== "subType" && f !== "equityContribution");
const LICENSE_SUB_TYPES = new Set(["patent_exclusive", "patent_sole", "patent_ordinary"]);

/** The file's header row as columns; unknown headers are refused, so no column is silently dropped. */
export function headerColumns(cells: readonly string[]): { columns: Column[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const columns: Column[] = [];
  const seen = new Set<ImportField>();
  cells.forEach((cell, i) => {
    const column = columnOf(cell.replace(/^\uFEFF/, ""));
    if (!column) {
      problems.push({
        line: 1,
        column: cell || `column ${i + 1}`,
        detail: "is not a column this import knows (see the README's list)",
      });
      return;
    }
    if (seen.has(column.field)) problems.push({ line: 1, column: cell, detail: `names ${column.field} a second time` });
    seen.add(column.field);
    columns[i] = column;
  });
  for (const field of REQUIRED) {
    if (!seen.has(field)) problems.push({ line: 1, column: field, detail: "is missing: every contract needs it" });
  }
  return { columns, problems };
}

/** "12.5" 万元 → "125000" yuan, exactly (decimal text, no floating point); null if not a plain amount. */
export function scaledYuan(text: string, scale: 1 | 10_000): string | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.replace(/,/g, ""));
  if (!match) return null;
  const digits = scale === 10_000 ? 4 : 0;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  const shifted = `${whole}${fraction.padEnd(digits, "0").slice(0, digits)}`.replace(/^0+(?=\d)/, "");
  const rest = fraction.slice(digits).replace(/0+$/, "");
  return rest ? `${shifted}.${rest}` : shifted;
}

/**
 * One data row: the API's body built from its cells (Chinese names mapped, amounts in yuan), then
 * checked with the API's own schema and clock rule, so an import accepts exactly what
 * POST /v1/contracts would; plus the registration it had. Every problem is named by line and column.
 */
export function parseRow(
  columns: readonly Column[],
  cells: readonly string[],
  line: number,
  now: Date,
): { contract?: ImportedContract; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  // Columns already named for a cell this function could not read: the schema's own word on the
  // same field (it arrives missing) would only repeat it.
  const named = new Set<string>();
  const headerOf = new Map<ImportField, string>();
  const raw = new Map<ImportField, string>();
  columns.forEach((column, i) => {
    if (!column) return;
    headerOf.set(column.field, column.header);
    const cell = (cells[i] ?? "").trim();
    if (cell === "") return;
    if (column.scale !== 1 || column.field === "totalAmount" || column.field === "technologyAmount") {
      const yuan = scaledYuan(cell.normalize("NFKC"), column.scale);
      if (yuan === null) {
        problems.push({ line, column: column.header, detail: "must be an amount such as 1250000.50" });
        named.add(column.header);
      } else raw.set(column.field, yuan);
      return;
    }
    raw.set(column.field, cellValue(column.field, cell));
  });
  const v = (field: ImportField) => raw.get(field);
  let type = v("type");
  const subType = v("subType");
  // Before the Civil Code's five types, a patent licence was a kind of transfer (专利实施许可 under 技术转让).
  if (type === "transfer" && subType && LICENSE_SUB_TYPES.has(subType)) type = "license";
  const equity = v("equityContribution");
  const party = (side: "seller" | "buyer") => ({
    name: v(`${side}Name`),
    creditCode: v(`${side}CreditCode`),
    kind: v(`${side}Kind`),
    regionCode: v(`${side}Region`),
  });
  const body = {
    title: v("title"),
    contractNumber: v("contractNumber"),
    type,
    ...(subType === undefined ? {} : { subType }),
    ...(equity === undefined
      ? {}
      : { equityContribution: equity === "true" ? true : equity === "false" ? false : equity }),
    seller: party("seller"),
    buyer: party("buyer"),
    signedOn: v("signedOn"),
    validFrom: v("validFrom"),
    validTo: v("validTo"),
    totalAmount: v("totalAmount"),
    technologyAmount: v("technologyAmount"),
    techField: v("techField"),
    ipType: v("ipType"),
  };
  const columnFor = (path: readonly PropertyKey[]): string => {
    const [first, second] = path.map(String);
    const field = (
      first === "seller" || first === "buyer"
        ? `${first}${second === "regionCode" ? "Region" : `${(second ?? "").charAt(0).toUpperCase()}${(second ?? "").slice(1)}`}`
        : first
    ) as ImportField;
    return headerOf.get(field) ?? field ?? "row";
  };
  const parsed = RecordContractBody.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const column = columnFor(issue.path);
      if (!named.has(column)) problems.push({ line, column, detail: issue.message });
    }
  }
  for (const error of clockFieldErrors(body, now))
    problems.push({ line, column: columnFor(["signedOn"]), detail: error.detail });
  const registrationNumber = v("registrationNumber");
  const registeredOn = v("registeredOn");
  if (registrationNumber !== undefined && !/^[\p{L}\p{N}\-/]{1,64}$/u.test(registrationNumber)) {
    problems.push({
      line,
      column: columnFor(["registrationNumber"]),
      detail: "must be 1 to 64 letters, digits, - or /",
    });
  }
  if (registeredOn !== undefined) {
    const parsedOn = /^\d{4}-\d{2}-\d{2}$/.test(registeredOn) ? new Date(`${registeredOn}T00:00:00Z`) : null;
    if (!parsedOn || Number.isNaN(parsedOn.getTime()) || parsedOn.toISOString().slice(0, 10) !== registeredOn) {
      problems.push({ line, column: columnFor(["registeredOn"]), detail: "must be a date YYYY-MM-DD" });
    } else if (registeredOn > chinaDate(now)) {
      problems.push({
        line,
        column: columnFor(["registeredOn"]),
        detail: "must not be after today (China Standard Time)",
      });
    } else if (typeof body.signedOn === "string" && registeredOn < body.signedOn) {
      problems.push({
        line,
        column: columnFor(["registeredOn"]),
        detail: "must not be before the contract was signed",
      });
    }
  }
  for (const field of ["registrationNumber", "registeredOn"] as const) {
    if (v(field) === undefined) problems.push({ line, column: columnFor([field]), detail: "is required" });
  }
  if (problems.length > 0 || !parsed.success || !registrationNumber || !registeredOn) return { problems };
  return { contract: { line, input: parsed.data, registrationNumber, registeredOn }, problems };
}
