import type { Migration } from "./index.ts";

/** Verification pages through each subject type's ids; without this it walks every other type's events first. */
export const auditSubjectIndex: Migration = {
  version: 5,
  name: "audit-subject-index",
  statements: ["CREATE INDEX audit_events_by_type_subject ON audit_events (subject_type, subject_id, seq)"],
};
