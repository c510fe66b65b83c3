import type { Migration } from "./index.ts";

/** Bulletin trees read their leaves by day, then event: an index in that order (db/stores/bulletins.ts). */
export const leafOrder: Migration = {
  version: 17,
  name: "leaf-order",
  statements: ["CREATE INDEX volume_entries_by_day_event ON volume_entries (entry_on, event_seq)"],
};
