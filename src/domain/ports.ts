import type { BulletinSigner } from "../crypto/bulletin-keys.ts";
import type { AchievementKind, AchievementRecord, AchievementStage, TransferMode } from "./achievements/achievement.ts";
import type { BulletinReads } from "./bulletins/bulletin.ts";
import type { LeafHasher } from "./bulletins/bulletin-tree.ts";
import type { RollupCell, RollupFamilyName, RollupQuery } from "./ledger/rollup-families.ts";
import type { StateSubjectType, SubjectType } from "./ledger/subjects.ts";
import type { OrganizationKind } from "./organizations/organization.ts";
import type { PledgeRecord, PledgeStatus } from "./pledges/pledge.ts";
import type { GoalRecord } from "./statistics/goal.ts";
import type { ContractStatus, ContractType, TechContractRecord } from "./tech-contracts/tech-contract.ts";
import type { WorkingCalendar } from "./working-days.ts";

export type { StateSubjectType, SubjectType } from "./ledger/subjects.ts";

/** Who is calling. Members act for their organisation; operators for the registry. */
export interface Actor {
  role: "operator" | "member";
  keyId: string;
  holder: string;
  organizationId: string;
  organizationKind: OrganizationKind;
}
export type Caller = Actor | { role: "public" };

/** Who an audit event names: an API key's holder, or the command line. */
export interface EventActor {
  keyId: string | null;
  holder: string;
  organizationId: string | null;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A new opaque, unique id beginning with `prefix_`. */
  next(prefix: string): string;
  /** A new random secret, URL-safe. */
  secret(): string;
}

export interface OrganizationRecord {
  id: string;
  name: string;
  kind: OrganizationKind;
  role: "operator" | "member";
  creditCode: string | null;
  regionCode: string;
  createdAt: string;
}

export interface ApiKeyRecord {
  id: string;
  organizationId: string;
  holder: string;
  secretHash: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditEvent {
  seq: number;
  at: string;
  actorKeyId: string | null;
  actorHolder: string;
  organizationId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  /** Canonical JSON of the subject's state after the change. */
  state: string;
  prevHash: string;
  hash: string;
  /** Which preimage `hash` covers: 1 for events written before version 2 existed (audit-chain.ts). */
  hashVersion: HashVersion;
}

export type HashVersion = 1 | 2;

export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  status: number;
  body: string;
  createdAt: string;
}

export interface SigningKeyRecord {
  kid: string;
  algorithm: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
}

/**
 * One change to a table kept as columns, in an atomic write set; the store turns each into
 * statements of its dialect. State subjects (registries' records and entries) need none: the store
 * writes each one's row from its last event in the set, and an entry's rollups with it.
 */
export type Change =
  | { kind: "organization.insert"; record: OrganizationRecord }
  | { kind: "apiKey.insert"; record: ApiKeyRecord }
  | { kind: "apiKey.revoke"; id: string; revokedAt: string }
  | { kind: "idempotency.insert"; record: IdempotencyRecord }
  | { kind: "goal.insert"; record: GoalRecord };

export interface VolumeFigures {
  count: number;
  totalFen: number;
  technologyFen: number;
}

export type CategoryDimension = "type" | "techField" | "sellerKind" | "buyerKind" | "ipType" | "sellerRegion" | "flow";

export interface VolumeQuery {
  from: string;
  to: string;
  /** Keep periods of this grain apart, or (null) sum over the whole range. */
  period: "month" | "quarter" | "year" | null;
  dimensions: CategoryDimension[];
  /** Refuse (AnswerTooLargeError) rather than return more than this many cells. */
  maxGroups?: number;
}

/** Net registered volume of one period (or the whole range) and one combination of dimension values. */
export interface VolumeCell extends VolumeFigures {
  /** "2025-07", "2025-Q3" or "2025", by the query's grain. */
  period?: string;
  keys: Partial<Record<CategoryDimension, string>>;
  /** The largest single entry's magnitude, total and technology amount (disclosure control). */
  largestTotalFen: number;
  largestTechnologyFen: number;
}

export interface ContractListFilter {
  limit: number;
  afterId?: string | undefined;
  /** Only contracts this organisation is a party to. */
  visibleTo?: string | undefined;
  party?: string | undefined;
  status?: ContractStatus | undefined;
  type?: ContractType | undefined;
  registeredFrom?: string | undefined;
  registeredTo?: string | undefined;
  /** Submitted contracts whose review began before this date. */
  reviewStartedBefore?: string | undefined;
}

export interface CatalogueFilter {
  limit: number;
  /** Phrases of index tokens (search-terms.ts), all of which must match; ranked by relevance. */
  phrases?: string[][] | undefined;
  /** Items to skip (a ranked search pages by position), or the id to continue below (newest first). */
  offset?: number | undefined;
  beforeId?: string | undefined;
  techField?: string | undefined;
  stage?: AchievementStage | undefined;
  kind?: AchievementKind | undefined;
  transferMode?: TransferMode | undefined;
}

/** One subject as verification sees it: its current row (mapped) and its last event, either may be missing. */
export interface SubjectCheck {
  subjectId: string;
  current: unknown | null;
  /** Rows that store their state: the text and the event seq the row names, compared as they are. */
  stored?: { state: string; eventSeq: number };
  lastEventSeq: number | null;
  lastEventState: string | null;
}

/** Events after..upto read for checking in bulk: no object per event. */
export interface ChainStretch {
  /** Events stored in the range. */
  count: number;
  /** Each event's hash preimage as SQL renders it (JSON array of its ten fields), one per line, in seq order. */
  preimages: Uint8Array;
  /** The stored hashes, concatenated in seq order; and the stored previous hashes likewise. */
  hashes: string;
  prevHashes: string;
}

/** State rows whose event_seq falls in a stretch of the chain, compared with that event in SQL. */
export interface StateRowTally {
  rows: number;
  /** Rows whose event_seq event exists, is of the same subject, and holds byte for byte the row's state. */
  matching: number;
  eventSeqSum: number;
}

export interface StateSubjectTotals {
  /** Subjects of the type with an event up to the head, and the sum of each one's last seq. */
  subjects: number;
  lastSeqSum: number;
  /** Rows naming no event up to the head (event_seq < 1 or past the head). */
  rowsOutside: number;
}

/** Events (after, upto] of the chain, checked as one piece. */
export interface StretchRange {
  after: number;
  upto: number;
}

/**
 * What a stretch looked like to the fast check. `clean` means: the stretch holds exactly the
 * events after+1..upto, in order, each one's stored hash is the SHA-256 of its preimage and each
 * links to the stored hash of the one before it; the caller still checks that the first links to
 * the stretch before (`firstPrevHash`). Anything else, or a read that failed, and the caller
 * recomputes the stretch with the exact code, so a doubt here can only cost time.
 */
export interface StretchReport extends StretchRange {
  clean: boolean;
  count: number;
  firstPrevHash: string;
  lastHash: string;
  /** State rows naming an event in the stretch, compared with it; null if they could not be read. */
  rows: Record<StateSubjectType, StateRowTally> | null;
}

/**
 * Everything one operation changes, written atomically: a better-sqlite3 transaction or a D1
 * batch. The events extend the chain from the head the operation read first; if the head has
 * moved the whole set is refused with HeadMovedError and nothing is written.
 */
export interface WriteSet {
  events: AuditEvent[];
  changes: Change[];
}

/** The audit chain's head, the idempotency records, and the one atomic write. */
export interface ChainWrites {
  auditHead(): Promise<AuditHead>;
  findIdempotency(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  commit(writeSet: WriteSet): Promise<void>;
}

export interface OrganizationReads {
  findOrganization(id: string): Promise<OrganizationRecord | undefined>;
  findOrganizationByCreditCode(creditCode: string): Promise<OrganizationRecord | undefined>;
  findOperatorOrganization(): Promise<OrganizationRecord | undefined>;
  findApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /**
   * The operator key that issued a key, as the audit chain records it (the actor of the key's
   * first event); null for keys made on the command line, undefined for no such key.
   */
  findApiKeyIssuer(id: string): Promise<string | null | undefined>;
}

export interface TechContractReads {
  findTechContract(id: string): Promise<TechContractRecord | undefined>;
  /** The contracts of a seller whose number has this key (contract-number.ts) and that are not rejected. */
  findLiveContractsByNumber(sellerCreditCode: string, numberKey: string): Promise<TechContractRecord[]>;
  /** Highest registration serial assigned in the year, 0 if none. */
  maxRegistrationSerial(year: number): Promise<number>;
  listTechContracts(filter: ContractListFilter): Promise<TechContractRecord[]>;
  /** The contract holding a registration number, or a registration year and serial (historical import). */
  findRegistration(number: string, year: number, serial: number | null): Promise<TechContractRecord | undefined>;
}

export interface AchievementReads {
  findAchievement(id: string): Promise<AchievementRecord | undefined>;
  /** Highest registration serial of the year and kind, 0 if none. */
  maxAchievementSerial(year: number, kind: AchievementKind): Promise<number>;
  /** Registered achievements: ranked by relevance with phrases, else newest first. */
  searchCatalogue(filter: CatalogueFilter): Promise<AchievementRecord[]>;
}

export interface PledgeListFilter {
  limit: number;
  /** Newest first: continue below this id. */
  beforeId?: string | undefined;
  /** Only pledges this organisation is the pledgor or the pledgee of. */
  visibleTo?: string | undefined;
  status?: PledgeStatus | undefined;
}

export type { BulletinReads };

export interface PledgeReads {
  findPledge(id: string): Promise<PledgeRecord | undefined>;
  /** Highest pledge registration serial of the year, 0 if none. */
  maxPledgeSerial(year: number): Promise<number>;
  /** The submitted or registered pledges holding any of these rights (keys, ip-numbers.ts `ipRightKey`). */
  findRightHolders(keys: readonly string[]): Promise<PledgeRecord[]>;
  listPledges(filter: PledgeListFilter): Promise<PledgeRecord[]>;
}

export interface PledgorCountQuery {
  from: string;
  to: string;
  period: "month" | "quarter" | "year" | null;
  dimensions: readonly ("rightType" | "pledgee" | "sizeBand")[];
}

export interface PledgorCountCell {
  period?: string;
  keys: Record<string, string>;
  pledgors: number;
}

export interface StatisticsReads {
  listGoals(): Promise<GoalRecord[]>;
  /** Net registered volume over China Standard Time days from..to, from the daily rollup. */
  volumeTotals(from: string, to: string): Promise<VolumeFigures>;
  /**
   * The day the running total of `amount` from `from` last rose to `targetFen` or more and stayed
   * there until `to`; null if it is below the target at `to`.
   */
  reachedOn(from: string, to: string, amount: "total" | "technology", targetFen: number): Promise<string | null>;
  /** Net registered volume by month and dimensions, from the monthly rollups (never the contracts). */
  volumeBreakdown(query: VolumeQuery): Promise<VolumeCell[]>;
  /** Any rollup family's cells, from its rollups. */
  rollupBreakdown(family: RollupFamilyName, query: RollupQuery): Promise<RollupCell[]>;
  /** Distinct pledgors with a net pledge in each cell, from the pledge entries. */
  pledgorCounts(query: PledgorCountQuery): Promise<PledgorCountCell[]>;
}

/** Verification's reads; see verify-ledger.ts for how they add up to the exact checks. */
export interface VerificationReads {
  listAuditEvents(afterSeq: number, limit: number): Promise<AuditEvent[]>;
  /** Every rollup cell, of every family, that differs from a recomputation from its entries. */
  checkRollups(): Promise<string[]>;
  /** Pages through a column subject's table joined with each row's last event, then events whose row is gone. */
  checkSubjects(type: SubjectType, afterId: string, limit: number): Promise<SubjectCheck[]>;
  auditChainStretch(afterSeq: number, uptoSeq: number): Promise<ChainStretch>;
  stateRowTallies(afterSeq: number, uptoSeq: number): Promise<Record<StateSubjectType, StateRowTally>>;
  stateSubjectTotals(type: StateSubjectType, headSeq: number): Promise<StateSubjectTotals>;
  /**
   * The exact checks, in id order, of the first `limit` subjects that can fail one: rows whose
   * event is missing, another subject's, not the last or not the same text, and subjects whose
   * row is gone. Every other subject's row is byte for byte its last event's state.
   */
  suspectStateSubjects(type: StateSubjectType, limit: number): Promise<SubjectCheck[]>;
  /** Ids that have a row or an event of the type. */
  countStateSubjects(type: StateSubjectType): Promise<number>;
}

/**
 * Token keys an earlier version kept in the database (`signing_keys`), in clear. They are read
 * once at start-up to move them into the key vault, then purged: private keys live outside it.
 */
export interface LegacySigningKeys {
  legacySigningKeys(): Promise<SigningKeyRecord[]>;
  /** Deletes them so that no copy of the file holds them (on SQLite, overwritten and the log truncated). */
  purgeLegacySigningKeys(): Promise<void>;
}

/**
 * What a write attempt reads and commits through (the writing connection, which sees the writes
 * queued ahead of it in the same group): the registries' lookups, nothing of statistics or
 * verification. The compiler, not a naming rule, keeps an attempt's reads inside it.
 */
export interface AttemptStore
  extends ChainWrites,
    OrganizationReads,
    TechContractReads,
    AchievementReads,
    PledgeReads,
    BulletinReads {
  listGoals(): Promise<GoalRecord[]>;
}

export interface LedgerStore extends AttemptStore, StatisticsReads, VerificationReads, LegacySigningKeys {
  ping(): Promise<void>;
  /**
   * Runs one read-decide-commit attempt with the store it must read and commit through. Where one
   * process owns the database (better-sqlite3, whose calls are synchronous) attempts run one at a
   * time, so concurrent requests queue instead of invalidating each other's reads and retrying,
   * and those queued together are committed together; on D1 attempts run freely and the head
   * guard alone keeps them correct.
   */
  attempt<T>(run: (store: AttemptStore) => Promise<T>): Promise<T>;
  /**
   * Resolves once everything committed so far is on disk. Where writes are committed before
   * their log is synced (group commit on better-sqlite3), a response is held for this, so no
   * reader is shown what a crash could still take back; elsewhere it resolves at once.
   */
  durable(): Promise<void>;
}

export interface TokenClaims {
  keyId: string;
  organizationId: string;
}

export interface Signer {
  issueAccessToken(claims: TokenClaims, lifetimeSeconds: number): Promise<string>;
  /** Throws UnauthenticatedError unless the token is ours, unexpired and untampered. */
  verifyAccessToken(token: string): Promise<TokenClaims>;
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
}

export interface Market {
  /** GB/T 2260 code of the market's city, also the middle of registration numbers. */
  regionCode: string;
  /** Three characters that begin the registry's achievement registration numbers. */
  registryCode: string;
  /** The plan's goal, from configuration (the first deployment: 7 billion yuan, 2021-2025). */
  planGoal: GoalRecord;
  operatorOrganizationName: string;
  tokenLifetimeSeconds: number;
  /** The SHA-256 of LEDGER_BOOTSTRAP_SECRET, where set: the one-time way to the first operator (organizations/create-operator.ts). */
  bootstrapSecretHash: string | null;
  /** The working days review deadlines count (China's official calendar in the runtime). */
  calendar: WorkingCalendar;
}

/** Answers of pure reads, keyed by what they depend on (the ledger head among it). */
export interface ReadCache {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface Deps {
  store: LedgerStore;
  clock: Clock;
  ids: Ids;
  signer: Signer;
  /** Signs statistics bulletins (its own key, never the token key). */
  bulletinSigner: BulletinSigner;
  market: Market;
  /** Optional: statistics answers per ledger head. Every write moves the head, so no answer outlives its data. */
  readCache?: ReadCache;
  /**
   * Optional: runs the computations of large reads (statistics answers not in the cache) one at
   * a time. The Node runtime passes one for better-sqlite3, whose statements run on the event
   * loop's thread; absent on D1, where statements wait on I/O and a promise must not cross requests.
   */
  serialReads?: <T>(task: () => Promise<T>) => Promise<T>;
  /**
   * Optional: reads and hashes a bulletin tree's leaves elsewhere and in parallel; the Node
   * runtime passes worker threads on the ledger file. By default the tree is read here, by pages.
   */
  leafHashes?: LeafHasher;
  /**
   * Optional: checks the chain's stretches (verify-chain.ts) elsewhere and in parallel; the Node
   * runtime passes worker processes with their own read-only connections. By default verification
   * checks them here, one after another.
   */
  checkStretches?: (ranges: StretchRange[]) => Promise<StretchReport[]>;
  /** Optional: told of each write set once it is committed and durable (the service's metrics count registrations). */
  committed?: (events: readonly AuditEvent[]) => void;
}
