import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { grossProblems, recomputeRollups } from "../../db/stores/rollup-check.ts";
import { familyTables } from "../../db/stores/rollups.ts";
import { eventHash, GENESIS } from "../../src/domain/ledger/audit-chain.ts";
import { ROLLUP_FAMILIES } from "../../src/domain/ledger/rollup-families.ts";
import { SUBJECT_TYPES } from "../../src/domain/ledger/subjects.ts";
import type { AuditHead, LedgerStore } from "../../src/domain/ports.ts";
import {
  subjectProblem,
  type VerificationProblem,
  type VerificationReport,
} from "../../src/domain/verification/verify-ledger.ts";

/**
 * Verification the slow, obvious way, as it was before the bulk checks: every event as an object
 * and hashed with eventHash, every subject paged through with its last event, every rollup
 * recomputed from the entries. The fast verification must report exactly what this reports.
 */
export async function exactVerification(store: LedgerStore, database: LedgerDatabase): Promise<VerificationReport> {
  const problems: VerificationProblem[] = [];
  const note = (problem: VerificationProblem) => {
    if (problems.length < 50) problems.push(problem);
  };
  let prev: AuditHead = GENESIS;
  let checked = 0;
  for (;;) {
    const page = await store.listAuditEvents(prev.seq, 100);
    for (const event of page) {
      checked++;
      if (event.seq !== prev.seq + 1) {
        note({ seq: prev.seq + 1, detail: `event ${prev.seq + 1} is missing (next stored is ${event.seq})` });
      } else if (event.prevHash !== prev.hash) {
        note({ seq: event.seq, detail: "does not link to the previous event's hash" });
      }
      const { hash, ...unhashed } = event;
      if (eventHash(unhashed) !== hash) note({ seq: event.seq, detail: "its content does not match its hash" });
      prev = { seq: event.seq, hash: event.hash };
    }
    if (page.length < 100) break;
  }
  let subjectsChecked = 0;
  for (const type of SUBJECT_TYPES) {
    let after = "";
    for (;;) {
      const page = await store.checkSubjects(type, after, 7);
      subjectsChecked += page.length;
      for (const subject of page) {
        const problem = subjectProblem(type, subject);
        if (problem) note(problem);
      }
      const last = page.at(-1);
      if (!last || page.length < 7) break;
      after = last.subjectId;
    }
  }
  // A report names at most 20 rollup problems: each family's gross, then its cells.
  const rollupDetails: string[] = [];
  for (const family of Object.values(ROLLUP_FAMILIES)) {
    const t = familyTables(family);
    rollupDetails.push(...(await grossProblems(database.db, t)), ...(await recomputeRollups(database.db, t)));
  }
  for (const detail of rollupDetails.slice(0, 20)) note({ seq: null, subject: "rollup", detail });
  const seqs = problems.map((p) => p.seq).filter((s): s is number => s !== null);
  return {
    ok: problems.length === 0,
    checked,
    subjectsChecked,
    head: prev,
    firstInvalidSeq: seqs.length > 0 ? Math.min(...seqs) : null,
    problems: problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER)),
  };
}
