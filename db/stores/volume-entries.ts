import type { VolumeEntryRecord } from "../../src/domain/tech-contracts/tech-contract.ts";
import { stateRowInsert } from "./tech-contracts.ts";

/** The row is its last (and only) event's state; the other columns are generated from it. */
export function toVolumeEntry(row: { state: string }): VolumeEntryRecord {
  return JSON.parse(row.state) as VolumeEntryRecord;
}

/** Compiled once, like the contract insert: every registration and reversal writes one. */
export const insertVolumeEntry = stateRowInsert("volume_entries");
