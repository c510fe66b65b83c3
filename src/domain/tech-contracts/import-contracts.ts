import { type FieldError, ValidationError } from "../errors.ts";
import type { EventDraft } from "../ledger/audit-chain.ts";
import { commitDecision } from "../ledger/write.ts";
import type { AttemptStore, Deps, EventActor } from "../ports.ts";
import { type TechContractRecord, volumeEntryFor } from "./tech-contract.ts";
import { type ContractInput, resolveTerms } from "./tech-contract-input.ts";

/** An import run as the ledger records it: the file, its SHA-256, who ran it, how many rows. */
export interface ImportBatchRecord {
  id: string;
  file: string;
  sha256: string;
  operator: string;
  rows: number;
  importedAt: string;
}

export interface ImportContract {
  line: number;
  input: ContractInput;
  registrationNumber: string;
  registeredOn: string;
}

export interface ImportOutcome {
  imported: number;
  /** Rows already in the ledger (the same seller and contract number): a re-run doubles nothing. */
  skipped: { line: number; detail: string }[];
}

/** "2019540100000123" → its year and serial (the registry's format); other legacy numbers have no serial. */
export function registrationParts(number: string, registeredOn: string): { year: number; serial: number | null } {
  const match = /^(\d{4})\d{6}(\d{6})$/.exec(number);
  const year = Number(registeredOn.slice(0, 4));
  return match && Number(match[1]) === year ? { year, serial: Number(match[2]) } : { year, serial: null };
}

/**
 * The checks an imported row needs the ledger for, beyond the API's own (resolveTerms: the
 * parties, the clock): nothing dated on or before the end of a published bulletin's period (the
 * published figures and the bulletins' append-only tree never change), and a registration number
 * or serial no other contract holds. Returns the problems; a duplicate of a contract already in the
 * ledger is not a problem but a skip (see importContracts).
 */
export async function importProblems(
  store: AttemptStore,
  contract: ImportContract,
  now: Date,
  publishedUntil: string | null,
): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  try {
    await resolveTerms(store, contract.input, now);
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...error.errors);
    else throw error;
  }
  if (publishedUntil !== null && contract.registeredOn <= publishedUntil) {
    problems.push({
      pointer: "/registeredOn",
      detail: `is on or before ${publishedUntil}, the end of a published bulletin's period: published figures never change`,
    });
  }
  return problems;
}

/**
 * Writes one batch of valid historical contracts, registered as of their original date under
 * their original numbers, each with its volume entry dated that day (so it counts toward goals and
 * breakdowns then); the first batch of a run also records the run. A contract already in the
 * ledger (its seller and contract number, however spelled) is skipped. One atomic write.
 */
export async function importContracts(
  deps: Deps,
  batch: { run: ImportBatchRecord | null; contracts: ImportContract[] },
) {
  const actor: EventActor = {
    keyId: null,
    holder: `import by ${batch.run?.operator ?? "operator"}`,
    organizationId: null,
  };
  return commitDecision(deps, actor, async (deps, now) => {
    const at = now.toISOString();
    const operators = await deps.store.findOperatorOrganization();
    if (!operators)
      throw new ValidationError([{ pointer: "operator", detail: "the market has no operator organisation yet" }]);
    const events: EventDraft[] = [];
    if (batch.run) {
      events.push({
        action: "import_batch.recorded",
        subjectType: "import_batch",
        subjectId: batch.run.id,
        state: batch.run,
      });
    }
    const outcome: ImportOutcome = { imported: 0, skipped: [] };
    const taken = new Set<string>();
    for (const contract of batch.contracts) {
      const terms = await resolveTerms(deps.store, contract.input, now);
      const key = `${terms.seller.creditCode}\u0000${terms.contractNumberKey}`;
      const live = await deps.store.findLiveContractsByNumber(terms.seller.creditCode, terms.contractNumberKey);
      if (live.length > 0 || taken.has(key)) {
        outcome.skipped.push({
          line: contract.line,
          detail: `already in the ledger (${live[0]?.registrationNumber ?? live[0]?.id ?? "this file"})`,
        });
        continue;
      }
      const { year, serial } = registrationParts(contract.registrationNumber, contract.registeredOn);
      const holder = await deps.store.findRegistration(contract.registrationNumber, year, serial);
      const serialTaken =
        serial !== null && (taken.has(`serial ${year} ${serial}`) || holder?.registrationSerial === serial);
      if (
        holder?.registrationNumber === contract.registrationNumber ||
        taken.has(`number ${contract.registrationNumber}`)
      ) {
        outcome.skipped.push({
          line: contract.line,
          detail: `registration number ${contract.registrationNumber} is another contract's`,
        });
        continue;
      }
      taken.add(key);
      taken.add(`number ${contract.registrationNumber}`);
      if (serial !== null && !serialTaken) taken.add(`serial ${year} ${serial}`);
      const record: TechContractRecord = {
        id: deps.ids.next("tc"),
        status: "registered",
        ...terms,
        submittedAt: at,
        submittedByOrganizationId: operators.id,
        submittedByKeyId: "import",
        submittedByHolder: actor.holder,
        reviewStartedOn: contract.registeredOn,
        approvals: [],
        decisionReason: null,
        registrationYear: year,
        registrationSerial: serialTaken ? null : serial,
        registrationNumber: contract.registrationNumber,
        registeredOn: contract.registeredOn,
        endedOn: null,
        endReason: null,
        revision: 1,
        updatedAt: at,
      };
      const entry = volumeEntryFor(record, "registration", deps.ids.next("ve"), contract.registeredOn, at);
      events.push(
        {
          action: "tech_contract.imported",
          subjectType: "tech_contract",
          subjectId: record.id,
          state: record,
          organizationId: record.seller.organizationId,
        },
        { action: "volume_entry.recorded", subjectType: "volume_entry", subjectId: entry.id, state: entry },
      );
      outcome.imported++;
    }
    return { result: outcome, events, changes: [] };
  });
}

/** The last day of any published bulletin's period: nothing on or before it is imported. */
export async function publishedUntil(store: Pick<AttemptStore, "listBulletins">): Promise<string | null> {
  const bulletins = await store.listBulletins();
  return bulletins.reduce<string | null>(
    (latest, b) => (latest === null || b.payload.to > latest ? b.payload.to : latest),
    null,
  );
}
