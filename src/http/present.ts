import type { z } from "@hono/zod-openapi";
import type { CreatedApiKey, Organization } from "../../contracts/organizations.ts";
import type { IssuedApiKey } from "../domain/create-api-key.ts";
import type { OrganizationRecord } from "../domain/ports.ts";

export function presentOrganization(r: OrganizationRecord): z.infer<typeof Organization> {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    role: r.role,
    creditCode: r.creditCode,
    regionCode: r.regionCode,
    createdAt: r.createdAt,
  };
}

export function presentApiKey(issued: IssuedApiKey, showSecret: boolean): z.infer<typeof CreatedApiKey> {
  return {
    id: issued.key.id,
    organizationId: issued.key.organizationId,
    holder: issued.key.holder,
    createdAt: issued.key.createdAt,
    apiKey: showSecret ? issued.apiKey : null,
  };
}
