import type { z } from "@hono/zod-openapi";
import type { AuditEvent as AuditEventView } from "../../contracts/audit.ts";
import type { CreatedApiKey, Organization } from "../../contracts/organizations.ts";
import type { TechContract } from "../../contracts/tech-contracts.ts";
import type { IssuedApiKey } from "../domain/create-api-key.ts";
import { formatYuan } from "../domain/money.ts";
import type { AuditEvent, OrganizationRecord } from "../domain/ports.ts";
import { isOverdue, reviewDueOn, type TechContractRecord } from "../domain/tech-contract.ts";

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

export function presentTechContract(r: TechContractRecord, today: string): z.infer<typeof TechContract> {
  return {
    id: r.id,
    status: r.status,
    title: r.title,
    contractNumber: r.contractNumber,
    type: r.type,
    subType: r.subType,
    equityContribution: r.equityContribution,
    seller: r.seller,
    buyer: r.buyer,
    signedOn: r.signedOn,
    validFrom: r.validFrom,
    validTo: r.validTo,
    totalAmount: formatYuan(r.totalFen),
    technologyAmount: formatYuan(r.technologyFen),
    techField: r.techField,
    ipType: r.ipType,
    achievementIds: r.achievementIds,
    flow: r.flow,
    large: r.large,
    submittedAt: r.submittedAt,
    submittedBy: {
      organizationId: r.submittedByOrganizationId,
      keyId: r.submittedByKeyId,
      holder: r.submittedByHolder,
    },
    reviewDueOn: reviewDueOn(r),
    overdue: isOverdue(r, today),
    approvals: r.approvals,
    decisionReason: r.decisionReason,
    registrationNumber: r.registrationNumber,
    registeredOn: r.registeredOn,
    endedOn: r.endedOn,
    endReason: r.endReason,
    revision: r.revision,
    updatedAt: r.updatedAt,
  };
}

export function presentAuditEvent(e: AuditEvent): z.infer<typeof AuditEventView> {
  return {
    seq: e.seq,
    at: e.at,
    actor: { keyId: e.actorKeyId, holder: e.actorHolder },
    organizationId: e.organizationId,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    state: JSON.parse(e.state),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
