import type { Kysely, Selectable } from "kysely";
import type { OrganizationKind } from "../../src/domain/organizations/organization.ts";
import type { OrganizationRecord } from "../../src/domain/ports.ts";
import type { Database, OrganizationsTable } from "../schema.ts";
import { compiledOnce, rowsOf } from "./compiled-once.ts";

export function toOrganization(row: Selectable<OrganizationsTable>): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as OrganizationKind,
    role: row.role as OrganizationRecord["role"],
    creditCode: row.credit_code,
    regionCode: row.region_code,
    createdAt: row.created_at,
  };
}

export function insertOrganization(db: Kysely<Database>, r: OrganizationRecord) {
  return db
    .insertInto("organizations")
    .values({
      id: r.id,
      name: r.name,
      kind: r.kind,
      role: r.role,
      credit_code: r.creditCode,
      region_code: r.regionCode,
      created_at: r.createdAt,
    })
    .compile();
}

const where = (column: "id" | "credit_code" | "role") =>
  compiledOnce((db, value: string) => db.selectFrom("organizations").selectAll().where(column, "=", value));
const byColumn = { id: where("id"), credit_code: where("credit_code"), role: where("role") };

export async function findOrganizationWhere(
  db: Kysely<Database>,
  column: "id" | "credit_code" | "role",
  value: string,
): Promise<OrganizationRecord | undefined> {
  const [row] = await rowsOf(db, byColumn[column](db, value));
  return row ? toOrganization(row) : undefined;
}
