import type { ORGANIZATION_KINDS } from "../../../contracts/organizations.ts";

export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];
