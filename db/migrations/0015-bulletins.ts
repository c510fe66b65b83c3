import type { Migration } from "./index.ts";
import { createStateTable } from "./state-table.ts";

/**
 * Statistics bulletins: a state subject written once, by its `bulletin.published` event, whose
 * state holds the signed payload and its JWS. At most one per period and one per sequence number.
 */
export const bulletins: Migration = {
  version: 15,
  name: "bulletins",
  statements: [
    createStateTable("bulletins", [
      ["sequence", "INTEGER NOT NULL UNIQUE", { path: "sequence" }],
      ["period", "TEXT NOT NULL UNIQUE", { path: "period" }],
      ["period_to", "TEXT NOT NULL", { path: "payload.to" }],
      ["head_seq", "INTEGER NOT NULL", { path: "payload.ledgerHead.seq" }],
      ["tree_size", "INTEGER NOT NULL", { path: "payload.merkle.treeSize" }],
      ["published_at", "TEXT NOT NULL", { path: "publishedAt" }],
    ]),
  ],
};
