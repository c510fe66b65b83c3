import type { Kysely, Selectable } from "kysely";
import type {
  ContractType,
  Flow,
  IpType,
  PartyKind,
  TechField,
  VolumeEntryRecord,
} from "../../src/domain/tech-contract.ts";
import type { Database, VolumeEntriesTable } from "../schema.ts";

export function toVolumeEntry(row: Selectable<VolumeEntriesTable>): VolumeEntryRecord {
  return {
    id: row.id,
    contractId: row.contract_id,
    kind: row.kind as VolumeEntryRecord["kind"],
    entryOn: row.entry_on,
    count: row.count,
    totalFen: row.total_fen,
    technologyFen: row.technology_fen,
    type: row.type as ContractType,
    techField: row.tech_field as TechField,
    sellerKind: row.seller_kind as PartyKind,
    buyerKind: row.buyer_kind as PartyKind,
    ipType: row.ip_type as IpType,
    sellerRegion: row.seller_region,
    flow: row.flow as Flow,
    recordedAt: row.recorded_at,
  };
}

export function insertVolumeEntry(db: Kysely<Database>, e: VolumeEntryRecord) {
  return db
    .insertInto("volume_entries")
    .values({
      id: e.id,
      contract_id: e.contractId,
      kind: e.kind,
      entry_on: e.entryOn,
      count: e.count,
      total_fen: e.totalFen,
      technology_fen: e.technologyFen,
      type: e.type,
      tech_field: e.techField,
      seller_kind: e.sellerKind,
      buyer_kind: e.buyerKind,
      ip_type: e.ipType,
      seller_region: e.sellerRegion,
      flow: e.flow,
      recorded_at: e.recordedAt,
    })
    .compile();
}
