import type { z } from "@hono/zod-openapi";
import { ipRightKey } from "../../../contracts/ip-numbers.ts";
import type { RecordPledgeBody } from "../../../contracts/pledges.ts";
import { ConflictError, type FieldError, ValidationError } from "../errors.ts";
import { parseYuan } from "../money.ts";
import type { Actor, OrganizationReads, PledgeReads } from "../ports.ts";
import { resolveParty } from "../tech-contracts/tech-contract-input.ts";
import type { PledgeRecord } from "./pledge.ts";

export type PledgeInput = z.infer<typeof RecordPledgeBody>;

export type PledgeTerms = Pick<
  PledgeRecord,
  | "pledgor"
  | "pledgeeOrganizationId"
  | "pledgeeName"
  | "rights"
  | "securedFen"
  | "termStart"
  | "termEnd"
  | "contractNumber"
>;

/**
 * Resolves the pledgor (a member by id, or inline; an inline one whose credit code is a member's
 * becomes that member) and the pledgee, which must be a member bank, and checks that the caller is
 * one of the two. Field errors are collected and thrown together.
 */
export async function resolvePledgeTerms(
  store: OrganizationReads,
  actor: Actor,
  input: PledgeInput,
): Promise<PledgeTerms> {
  const errors: FieldError[] = [];
  const pledgor = await resolveParty(store, input.pledgor, "/pledgor", errors);
  const pledgee = await store.findOrganization(input.pledgeeOrganizationId);
  if (pledgee?.role !== "member") {
    errors.push({ pointer: "/pledgeeOrganizationId", detail: "no member organisation has this id" });
  } else if (pledgee.kind !== "bank") {
    errors.push({
      pointer: "/pledgeeOrganizationId",
      detail: `must be a bank: ${pledgee.name} is a member of kind ${pledgee.kind}`,
    });
  }
  if (pledgor && pledgee && pledgor.organizationId === pledgee.id) {
    errors.push({ pointer: "/pledgor", detail: "must not be the pledgee: a pledgor pledges its rights to a lender" });
  }
  if (errors.length === 0 && pledgor?.organizationId !== actor.organizationId && pledgee?.id !== actor.organizationId) {
    errors.push({
      pointer: "/pledgor",
      detail:
        "must be your organisation, unless you are the pledgee bank: a pledge is submitted by its pledgor or its pledgee",
    });
  }
  if (errors.length > 0 || !pledgor || !pledgee) throw new ValidationError(errors);
  return {
    pledgor,
    pledgeeOrganizationId: pledgee.id,
    pledgeeName: pledgee.name,
    rights: input.rights.map((r) => ({
      type: r.type,
      number: r.number,
      title: r.title,
      key: ipRightKey(r.type, r.number),
    })),
    securedFen: parseYuan(input.securedAmount),
    termStart: input.termStart,
    termEnd: input.termEnd,
    contractNumber: input.contractNumber,
  };
}

/**
 * No right is pledged twice: a right held by a submitted or registered pledge refuses the new one,
 * naming the holding pledge (its registration number, or its id while submitted). The store's
 * index of held rights refuses it too, should two submissions race past this read.
 */
export async function assertRightsFree(store: PledgeReads, rights: PledgeRecord["rights"], exceptId?: string) {
  const holders = (await store.findRightHolders(rights.map((r) => r.key))).filter((p) => p.id !== exceptId);
  const [holder] = holders;
  if (!holder) return;
  const held = new Set(holder.rights.map((r) => r.key));
  const right = rights.find((r) => held.has(r.key)) ?? rights[0];
  const name = holder.registrationNumber
    ? `registration ${holder.registrationNumber}`
    : `submitted pledge ${holder.id}`;
  throw new ConflictError(
    `${right?.type} ${right?.number} is already pledged under ${name} (${holder.status}); a right can be pledged again once that pledge is released or rejected`,
    holder.id,
  );
}
