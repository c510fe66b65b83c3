import type { Kysely } from "kysely";
import type { VolumeEntryRecord } from "../../src/domain/tech-contract.ts";
import type { Database } from "../schema.ts";
import type { StateRow } from "./tech-contracts.ts";

/** The row is its last (and only) event's state; the other columns are generated from it. */
export function toVolumeEntry(row: { state: string }): VolumeEntryRecord {
  return JSON.parse(row.state) as VolumeEntryRecord;
}

export function insertVolumeEntry(db: Kysely<Database>, row: StateRow) {
  return db.insertInto("volume_entries").values({ id: row.id, state: row.state, event_seq: row.eventSeq }).compile();
}
