import { requireOperator } from "../access.ts";
import type { AuditEvent, Caller, Deps } from "../ports.ts";

export async function listAuditEvents(
  deps: Pick<Deps, "store">,
  caller: Caller,
  after: number,
  limit: number,
): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
  requireOperator(caller);
  const items = await deps.store.listAuditEvents(after, limit);
  const last = items.at(-1);
  return { items, nextCursor: items.length === limit && last ? String(last.seq) : null };
}
