import { canonicalJson, eventHash, GENESIS } from "./audit-chain.ts";
import type { AuditHead, LedgerStore, SubjectType } from "./ports.ts";

export interface VerificationProblem {
  /** The first event that does not hold, or null for a row no event accounts for. */
  seq: number | null;
  subject?: string;
  detail: string;
}

export interface VerificationReport {
  ok: boolean;
  /** Events whose hash and link were recomputed. */
  checked: number;
  /** Rows compared with their last event. */
  subjectsChecked: number;
  head: AuditHead;
  firstInvalidSeq: number | null;
  problems: VerificationProblem[];
}

const PAGE = 5000;
const MAX_PROBLEMS = 50;
const SUBJECT_TYPES: SubjectType[] = ["organization", "api_key", "tech_contract", "volume_entry", "goal"];

/**
 * Recomputes the audit chain from the genesis (sequence, link and hash of every event), then
 * checks that every stored organisation, key, contract and volume entry equals the state its last
 * event recorded, that every subject of an event still has its row, and that the statistics
 * rollups equal a full recomputation from the volume entries. Editing one byte of any of
 * them with a SQL client shows here, at the first sequence number that does not hold.
 */
export async function verifyLedger(deps: { store: LedgerStore }): Promise<VerificationReport> {
  const problems: VerificationProblem[] = [];
  const note = (problem: VerificationProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };

  let prev: AuditHead = GENESIS;
  let checked = 0;
  for (;;) {
    const page = await deps.store.listAuditEvents(prev.seq, PAGE);
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
    if (page.length < PAGE) break;
  }

  let subjectsChecked = 0;
  for (const type of SUBJECT_TYPES) {
    let after = "";
    for (;;) {
      const page = await deps.store.checkSubjects(type, after, PAGE);
      for (const subject of page) {
        subjectsChecked++;
        const where = `${type} ${subject.subjectId}`;
        if (subject.current === null) {
          note({ seq: subject.lastEventSeq, subject: where, detail: "the row its events describe is missing" });
        } else if (subject.lastEventState === null) {
          note({ seq: null, subject: where, detail: "the row has no event: it was written outside the ledger" });
        } else if ((subject.stored?.state ?? canonicalJson(subject.current)) !== subject.lastEventState) {
          note({
            seq: subject.lastEventSeq,
            subject: where,
            detail: "the row differs from the state its last event recorded",
          });
        } else if (subject.stored && subject.stored.eventSeq !== subject.lastEventSeq) {
          note({
            seq: subject.lastEventSeq,
            subject: where,
            detail: `the row names event ${subject.stored.eventSeq}, not its last event`,
          });
        }
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) break;
      after = last.subjectId;
    }
  }

  // The rollups statistics read must equal a recomputation from the (now verified) volume entries.
  for (const detail of await deps.store.checkRollups()) note({ seq: null, subject: "rollup", detail });

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
