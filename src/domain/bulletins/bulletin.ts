import type { BulletinPayload } from "../../../contracts/bulletins.ts";

/** A published bulletin as the ledger keeps it: its state row, written once by `bulletin.published`. */
export interface BulletinRecord {
  id: string;
  sequence: number;
  period: string;
  publishedAt: string;
  payload: BulletinPayload;
  jws: string;
  /** The operator key that published it. */
  publishedByKeyId: string;
}

/** One leaf of a bulletin's tree: a volume entry's canonical JSON, its day and the event that wrote it. */
export interface BulletinLeaf {
  seq: number;
  entryOn: string;
  leaf: string;
}

export interface BulletinReads {
  findBulletin(id: string): Promise<BulletinRecord | undefined>;
  findBulletinByPeriod(period: string): Promise<BulletinRecord | undefined>;
  /** The bulletin of the highest sequence, undefined before the first. */
  lastBulletin(): Promise<BulletinRecord | undefined>;
  /** Newest first. */
  listBulletins(): Promise<BulletinRecord[]>;
  /**
   * The leaves of a tree, by day and in ledger order within a day, a page at a time: every volume
   * entry written at or before `uptoSeq` and dated on or before `to`, from the one after `after`.
   */
  bulletinLeaves(
    uptoSeq: number,
    to: string,
    after: { entryOn: string; seq: number } | null,
    limit: number,
  ): Promise<BulletinLeaf[]>;
  /** The volume entries of one contract, in ledger order (their seq, day and leaf). */
  contractLeaves(contractId: string): Promise<BulletinLeaf[]>;
}
