import { canonicalJson, eventHash, GENESIS } from "../ledger/audit-chain.ts";
import { isStateSubject, STATE_SUBJECT_TYPES, SUBJECT_TYPES } from "../ledger/subjects.ts";
import { nextTurn } from "../next-turn.ts";
import type {
  AuditHead,
  Deps,
  LedgerStore,
  StateRowTally,
  StateSubjectTotals,
  StateSubjectType,
  StretchRange,
  StretchReport,
  SubjectCheck,
  SubjectType,
} from "../ports.ts";
import { type AnchorBulletin, checkBulletins } from "./verify-bulletins.ts";
import { checkStretch, checkStretchesInTurn, stretches } from "./verify-chain.ts";

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

export type VerifyDeps = Pick<Deps, "store" | "checkStretches" | "leafHashes">;

const PAGE = 5000;
/** Events per stretch: few enough that a stretch's bytes stay small, many enough that statements are few. */
export const STRETCH_EVENTS = 500;
const MAX_PROBLEMS = 50;

/**
 * Recomputes the audit chain from the genesis (sequence, link and hash of every event), then
 * checks that every stored organisation, key, contract and volume entry equals the state its last
 * event recorded, that every subject of an event still has its row, and that the statistics
 * rollups equal a full recomputation from the volume entries. Editing one byte of any of
 * them with a SQL client shows here, at the first sequence number that does not hold.
 *
 * The chain up to the head read first is checked in bulk stretches, and contract and volume rows
 * (which store their last event's text) by set comparison in SQL; wherever the bulk check is not
 * clean, the exact per-event and per-subject code runs instead and only what it finds is reported.
 */
export async function verifyLedger(
  deps: VerifyDeps,
  options: { stretchEvents?: number; bulletins?: AnchorBulletin[] } = {},
): Promise<VerificationReport> {
  const { store } = deps;
  const head = await store.auditHead();
  const checkAll = deps.checkStretches ?? ((ranges: StretchRange[]) => checkStretchesInTurn(store, ranges));
  const ranges = stretches(head.seq, options.stretchEvents ?? STRETCH_EVENTS);
  const pending = checkAll(ranges);
  pending.catch(() => undefined);

  // Alongside the stretches: the small tables, the state subjects' totals and the rollups.
  const subjectProblems = new Map<SubjectType, VerificationProblem[]>();
  let subjectsChecked = 0;
  for (const type of SUBJECT_TYPES) {
    if (isStateSubject(type)) continue;
    const found: VerificationProblem[] = [];
    let after = "";
    for (;;) {
      await nextTurn();
      const page = await store.checkSubjects(type, after, PAGE);
      subjectsChecked += page.length;
      for (const subject of page) {
        const problem = subjectProblem(type, subject);
        if (problem && found.length < MAX_PROBLEMS) found.push(problem);
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) break;
      after = last.subjectId;
    }
    subjectProblems.set(type, found);
  }
  // Each statement below blocks this process's event loop, where the stretch workers' batches are
  // answered and (over HTTP) requests are served: the loop gets a turn between them.
  const totals = new Map<StateSubjectType, StateSubjectTotals>();
  for (const type of STATE_SUBJECT_TYPES) {
    await nextTurn();
    totals.set(type, await store.stateSubjectTotals(type, head.seq));
  }
  await nextTurn();
  // The rollups statistics read must equal a recomputation from the (verified) volume entries.
  const rollupProblems = (await store.checkRollups()).map((detail) => ({ seq: null, subject: "rollup", detail }));

  const reports = await everyRange(store, ranges, await pending);
  const chain = await checkChain(store, reports);
  // The published past: every bulletin the ledger holds, and those kept outside it.
  const held = (await store.listBulletins()).map((b) => ({ payload: b.payload, source: "held by the ledger" }));
  const bulletinProblems = await checkBulletins(
    store,
    chain.prev,
    [...held, ...(options.bulletins ?? [])],
    deps.leafHashes,
  );

  for (const type of STATE_SUBJECT_TYPES) {
    const tally = sumTallies(reports, type);
    const total = totals.get(type) as StateSubjectTotals;
    // Every row's event exists, is its subject's and holds its text (matching), so each row's
    // event_seq is at most its subject's last seq and its id has events; then equal counts mean
    // the ids are exactly the subjects, and equal sums mean every row names its LAST event.
    const fast =
      tally !== null &&
      tally.matching === tally.rows &&
      total.rowsOutside === 0 &&
      tally.rows === total.subjects &&
      tally.eventSeqSum === total.lastSeqSum;
    if (fast) {
      subjectsChecked += tally.rows;
      subjectProblems.set(type, []);
    } else {
      const suspects = await store.suspectStateSubjects(type, MAX_PROBLEMS);
      subjectProblems.set(
        type,
        suspects.map((s) => subjectProblem(type, s)).filter((p): p is VerificationProblem => p !== null),
      );
      subjectsChecked += await store.countStateSubjects(type);
    }
  }

  // Reported in the order the checks run one after another, the first MAX_PROBLEMS of them.
  const problems = [
    ...chain.problems,
    ...SUBJECT_TYPES.flatMap((type) => subjectProblems.get(type) ?? []),
    ...rollupProblems,
    ...bulletinProblems,
  ].slice(0, MAX_PROBLEMS);
  const seqs = problems.map((p) => p.seq).filter((s): s is number => s !== null);
  return {
    ok: problems.length === 0,
    checked: chain.checked,
    subjectsChecked,
    head: chain.prev,
    firstInvalidSeq: seqs.length > 0 ? Math.min(...seqs) : null,
    problems: problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER)),
  };
}

/**
 * The report of every range, in order: whatever the stretch checker returned for it, or, where
 * it returned nothing for a range (or a report that does not match one), a check made here. A
 * checker that loses part of the chain must not make a shorter chain look whole.
 */
async function everyRange(store: LedgerStore, ranges: StretchRange[], reports: StretchReport[]) {
  const byStart = new Map(reports.map((report) => [report.after, report]));
  const complete: StretchReport[] = [];
  for (const range of ranges) {
    const report = byStart.get(range.after);
    complete.push(report?.upto === range.upto ? report : await checkStretch(store, range));
  }
  return complete;
}

/**
 * Takes clean stretches as they are and recomputes the others event by event, carrying the
 * previous event from stretch to stretch exactly as one pass from the genesis would.
 */
async function checkChain(store: LedgerStore, reports: StretchReport[]) {
  const problems: VerificationProblem[] = [];
  const note = (problem: VerificationProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  let prev: AuditHead = GENESIS;
  let checked = 0;
  for (const report of reports) {
    if (report.clean && prev.seq === report.after && report.firstPrevHash === prev.hash) {
      checked += report.count;
      prev = { seq: report.upto, hash: report.lastHash };
      continue;
    }
    const events = await store.listAuditEvents(report.after, report.upto - report.after);
    for (const event of events) {
      if (event.seq > report.upto) break;
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
  }
  return { problems, checked, prev };
}

function sumTallies(reports: StretchReport[], type: StateSubjectType): StateRowTally | null {
  const sum = { rows: 0, matching: 0, eventSeqSum: 0 };
  for (const report of reports) {
    const tally = report.rows?.[type];
    if (!tally) return null;
    sum.rows += tally.rows;
    sum.matching += tally.matching;
    sum.eventSeqSum += tally.eventSeqSum;
  }
  return sum;
}

/** The exact check of one subject: its row against its last event. */
export function subjectProblem(type: SubjectType, subject: SubjectCheck): VerificationProblem | null {
  const where = `${type} ${subject.subjectId}`;
  if (subject.current === null) {
    return { seq: subject.lastEventSeq, subject: where, detail: "the row its events describe is missing" };
  }
  if (subject.lastEventState === null) {
    return { seq: null, subject: where, detail: "the row has no event: it was written outside the ledger" };
  }
  const text = subject.stored ? subject.stored.state : canonicalJson(subject.current);
  if (text !== subject.lastEventState) {
    return {
      seq: subject.lastEventSeq,
      subject: where,
      detail: "the row differs from the state its last event recorded",
    };
  }
  if (subject.stored && subject.stored.eventSeq !== subject.lastEventSeq) {
    return {
      seq: subject.lastEventSeq,
      subject: where,
      detail: `the row names event ${subject.stored.eventSeq}, not its last event`,
    };
  }
  return null;
}
