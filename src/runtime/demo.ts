import { existsSync, realpathSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ACHIEVEMENT_SUBMITTER_KINDS, RecordAchievementBody } from "../../contracts/achievements.ts";
import { RecordPledgeBody } from "../../contracts/pledges.ts";
import { RecordContractBody } from "../../contracts/tech-contracts.ts";
import type { LedgerDatabase } from "../../db/dialects/ledger-database.ts";
import { openSqlite } from "../../db/dialects/sqlite.ts";
import { migrate } from "../../db/migrate.ts";
import { createLedgerStore } from "../../db/stores/ledger-store.ts";
import type { KeyVault } from "../crypto/key-vault.ts";
import { decideAchievement } from "../domain/achievements/decide-achievement.ts";
import { recordAchievement } from "../domain/achievements/record-achievement.ts";
import { withdrawAchievement } from "../domain/achievements/withdraw-achievement.ts";
import { addDays, chinaDate } from "../domain/dates.ts";
import type { Outcome } from "../domain/ledger/write.ts";
import { formatYuan } from "../domain/money.ts";
import { createApiKey } from "../domain/organizations/create-api-key.ts";
import { createOperator } from "../domain/organizations/create-operator.ts";
import { createOrganization } from "../domain/organizations/create-organization.ts";
import { changePledge } from "../domain/pledges/change-pledge.ts";
import { decidePledge } from "../domain/pledges/decide-pledge.ts";
import { recordPledge } from "../domain/pledges/record-pledge.ts";
import { releasePledge } from "../domain/pledges/release-pledge.ts";
import type { Actor, Deps, LedgerStore } from "../domain/ports.ts";
import { decideTechContract } from "../domain/tech-contracts/decide-tech-contract.ts";
import { cancelTechContract, revokeTechContract } from "../domain/tech-contracts/end-tech-contract.ts";
import { recordTechContract } from "../domain/tech-contracts/record-tech-contract.ts";
import { type Config, ConfigError, parseConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";
import { createIds } from "./ids.ts";
import { nodeKeyVault } from "./key-file.ts";
import { docsScriptLoader, serveUntilStopped } from "./serve.ts";
import { type SyntheticAchievement, syntheticAchievements } from "./synthetic-achievements.ts";
import { creditCode, type SyntheticContract, syntheticContracts, syntheticMembers } from "./synthetic-history.ts";
import { DEMO_BANKS, syntheticPledges } from "./synthetic-pledges.ts";

/**
 * `npm run demo`: a separate database filled with synthetic history through the real domain
 * operations (so the audit chain, volume entries and rollups are genuine and `verify` passes),
 * then served. The real ledger never receives demo data: the demo refuses its path and refuses
 * any database holding contracts it did not fill.
 */

/** The demo's operator organisation: how a database filled by the demo is recognised. */
export const DEMO_REGISTRY = "Demo registry";
export const DEMO_CONTRACTS = 5200;
export const DEMO_ACHIEVEMENTS = 300;
export const DEMO_PLEDGES = 80;
export const DEMO_HISTORY_STARTS = new Date("2021-01-04T00:00:00Z");

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const PROGRESS_EVERY = 500;

/** Why the demo must not use this path, or null. `:memory:` is a new database every time it is opened. */
export function demoPathRefusal(demoPath: string, realPath: string): string | null {
  if (demoPath === ":memory:") return null;
  // The fill writes next to the demo path first, then renames; neither may be the real ledger.
  const real = realPath === ":memory:" ? null : resolve(realPath);
  if (real === resolve(demoPath) || real === resolve(fillingPath(demoPath))) {
    return `LEDGER_DEMO_DATABASE (${demoPath}) is the real ledger LEDGER_DATABASE (${realPath}); the demo never writes to the real ledger: choose another path`;
  }
  return null;
}

export interface DemoDatabaseState {
  hasContracts: boolean;
  /** The name of the operator organisation, null if there is none yet. */
  operatorOrganization: string | null;
}

export type DemoPlan = { action: "fill" } | { action: "serve" } | { action: "refuse"; reason: string };

/** Fill an empty database, serve one the demo filled, refuse anything else. */
export function planDemo(state: DemoDatabaseState): DemoPlan {
  const filledByDemo = state.operatorOrganization === DEMO_REGISTRY;
  if (state.hasContracts) {
    return filledByDemo
      ? { action: "serve" }
      : { action: "refuse", reason: "it already holds contracts that are not demo data" };
  }
  if (state.operatorOrganization === null || filledByDemo) return { action: "fill" };
  return {
    action: "refuse",
    reason: `it has the operator organisation "${state.operatorOrganization}", so it looks like a real ledger`,
  };
}

export async function inspectDemoDatabase(store: LedgerStore): Promise<DemoDatabaseState> {
  const contracts = await store.listTechContracts({ limit: 1 });
  const operators = await store.findOperatorOrganization();
  return { hasContracts: contracts.length > 0, operatorOrganization: operators?.name ?? null };
}

export interface DemoSummary {
  operatorApiKey: string;
  members: number;
  /** Contracts recorded and registered (all of them: the synthetic history has no rejections). */
  registered: number;
  large: number;
  cancelled: number;
  revoked: number;
  /** Reversals that would fall after `now`, so did not happen yet. */
  reversalsNotYetDue: number;
  firstRegisteredOn: string | null;
  lastRegisteredOn: string | null;
  /** Pledges registered, of which released (their rights pledged again) and changed. */
  pledges: { registered: number; released: number; changed: number };
}

export interface FillOptions {
  onProgress?: (registered: number, of: number, through: string) => void;
}

interface Step {
  at: number;
  run(): Promise<void>;
}

/**
 * Fills an empty ledger with `count` synthetic contracts registered from 2021-01-04 until `now`.
 * Every change runs at its historical instant on a clock of its own, which `deps.clock` is not.
 */
export async function fillDemo(
  deps: Deps,
  now: Date,
  count: number,
  options: FillOptions & { achievements?: number; pledges?: number } = {},
): Promise<DemoSummary> {
  const state = await inspectDemoDatabase(deps.store);
  if (state.hasContracts || state.operatorOrganization !== null) {
    throw new Error("the demo fills only an empty ledger (no operator organisation, no contracts)");
  }
  let current = DEMO_HISTORY_STARTS.getTime() - 2 * DAY_MS;
  const clock = { now: () => new Date(current) };
  const at = (instant: number) => {
    current = instant;
  };
  const filling: Deps = {
    ...deps,
    clock,
    // Ids sort by creation time, so they follow the history rather than the minute of the fill.
    ids: createIds(() => current),
    market: { ...deps.market, operatorOrganizationName: DEMO_REGISTRY },
  };

  const operatorA = await createOperator(filling, "Demo Operator A");
  at(current + HOUR_MS);
  const operatorB = await createOperator(filling, "Demo Operator B");
  const operator = (created: typeof operatorA): Actor => ({
    role: "operator",
    keyId: created.keyId,
    holder: created.holder,
    organizationId: created.organizationId,
    organizationKind: "other",
  });
  const [first, second] = [operator(operatorA), operator(operatorB)];

  const members = syntheticMembers();
  const memberActors: Actor[] = [];
  for (const member of members) {
    at(current + 10 * 60 * 1000);
    const organization = done(await createOrganization(filling, { caller: first, ...member }));
    const key = done(
      await createApiKey(filling, { caller: first, organizationId: organization.id, holder: "Demo registrar" }),
    );
    memberActors.push({
      role: "member",
      keyId: key.key.id,
      holder: key.key.holder,
      organizationId: organization.id,
      organizationKind: organization.kind,
    });
  }

  const history = syntheticContracts(count, DEMO_HISTORY_STARTS, now, members).filter(
    (c) => c.registeredAt.getTime() < now.getTime(),
  );
  const summary: DemoSummary = {
    operatorApiKey: operatorA.apiKey,
    members: memberActors.length,
    registered: 0,
    large: 0,
    cancelled: 0,
    revoked: 0,
    reversalsNotYetDue: 0,
    firstRegisteredOn: null,
    lastRegisteredOn: null,
    pledges: { registered: 0, released: 0, changed: 0 },
  };

  const steps: Step[] = [];
  // Achievements, submitted across the plan period and registered a week later, by the members
  // that may submit them; registered ones are what later contracts of their seller convert.
  const registeredBy = new Map<number, string[]>();
  const submitters = memberActors
    .map((actor, index) => ({ actor, index }))
    .filter(({ actor }) => (ACHIEVEMENT_SUBMITTER_KINDS as readonly string[]).includes(actor.organizationKind));
  const achievements = syntheticAchievements(options.achievements ?? DEMO_ACHIEVEMENTS);
  const span = Math.max(1, now.getTime() - DEMO_HISTORY_STARTS.getTime() - 30 * DAY_MS);
  achievements.forEach((achievement, i) => {
    const submitter = submitters[i % submitters.length];
    if (!submitter) return;
    const submittedAt = DEMO_HISTORY_STARTS.getTime() + Math.floor((span * i) / achievements.length) + 30 * 60 * 1000;
    let id = "";
    steps.push({
      at: submittedAt,
      async run() {
        const input = RecordAchievementBody.parse(achievementInput(achievement, submitter.actor.organizationId));
        id = done(await recordAchievement(filling, { caller: submitter.actor, input })).id;
      },
    });
    steps.push({
      at: submittedAt + 7 * DAY_MS,
      async run() {
        const decision = achievement.fate === "rejected" ? "reject" : "register";
        const reason = decision === "reject" ? "The materials do not show a completed result" : undefined;
        await decideAchievement(filling, { caller: first, achievementId: id, decision, reason });
        if (achievement.fate === "registered") {
          registeredBy.set(submitter.index, [...(registeredBy.get(submitter.index) ?? []), id]);
        } else if (achievement.fate === "withdrawn") {
          const reason = "Withdrawn by the completing organisation";
          await withdrawAchievement(filling, { caller: submitter.actor, achievementId: id, reason });
        }
      },
    });
  });
  history.forEach((contract, index) => {
    const seller = memberActors[contract.sellerIndex];
    if (!seller) throw new Error(`no member ${contract.sellerIndex}`);
    const registeredAt = contract.registeredAt.getTime();
    let id = "";
    steps.push({
      at: registeredAt - HOUR_MS,
      async run() {
        // About a third of transfers, licences and developments convert one of the seller's results.
        const own = registeredBy.get(contract.sellerIndex) ?? [];
        const converts =
          ["transfer", "license", "development"].includes(contract.type) && own.length > 0 && index % 3 === 0;
        const achievementIds = converts ? [own[index % own.length] as string] : [];
        const input = RecordContractBody.parse({
          ...contractInput(contract, index, new Date(current), memberActors),
          ...(achievementIds.length > 0 ? { achievementIds } : {}),
        });
        id = done(await recordTechContract(filling, { caller: seller, input })).id;
      },
    });
    steps.push({
      at: registeredAt,
      async run() {
        // Operator A issued the members' keys, so B reviews (and A adds the second approval a
        // large contract needs): no operator alone registers a contract it made possible.
        let record = done(await decideTechContract(filling, { caller: second, contractId: id, decision: "register" }));
        if (record.large) {
          summary.large++;
          record = done(await decideTechContract(filling, { caller: first, contractId: id, decision: "register" }));
        }
        summary.registered++;
        summary.firstRegisteredOn ??= record.registeredOn;
        summary.lastRegisteredOn = record.registeredOn;
        if (summary.registered % PROGRESS_EVERY === 0) {
          options.onProgress?.(summary.registered, history.length, record.registeredOn ?? "");
        }
      },
    });
    const reversal = contract.reversal;
    if (!reversal) return;
    const reversedAt = registeredAt + reversal.afterDays * DAY_MS;
    if (reversedAt >= now.getTime()) {
      summary.reversalsNotYetDue++;
      return;
    }
    steps.push({
      at: reversedAt,
      async run() {
        if (reversal.kind === "revocation") {
          const reason = "Revoked on audit: the same contract was registered twice";
          await revokeTechContract(filling, { caller: second, contractId: id, reason });
          summary.revoked++;
        } else {
          const reason = "Rescinded by the parties before performance began";
          await cancelTechContract(filling, { caller: seller, contractId: id, reason });
          summary.cancelled++;
        }
      },
    });
  });
  // Pledges of the firms' patents and trademarks to the banks, registered two days after they are
  // submitted; some released and pledged again to another bank, some raised by their pledgee.
  const banks: Actor[] = [];
  for (const [i, bank] of DEMO_BANKS.entries()) {
    at(current + 10 * 60 * 1000);
    const organization = done(
      await createOrganization(filling, {
        caller: first,
        name: bank.name,
        kind: "bank",
        regionCode: bank.regionCode,
        creditCode: creditCode(900 + i, bank.regionCode),
      }),
    );
    const key = done(
      await createApiKey(filling, { caller: first, organizationId: organization.id, holder: "Credit office" }),
    );
    banks.push({
      role: "member",
      keyId: key.key.id,
      holder: key.key.holder,
      organizationId: organization.id,
      organizationKind: "bank",
    });
  }
  const firms = memberActors.filter((m) => m.organizationKind === "enterprise");
  const pledgeSpan = Math.max(1, Math.floor((now.getTime() - DEMO_HISTORY_STARTS.getTime()) / DAY_MS) - 10);
  for (const pledge of syntheticPledges(options.pledges ?? DEMO_PLEDGES, pledgeSpan, firms.length)) {
    const pledgor = firms[pledge.pledgorIndex];
    if (!pledgor) break;
    const submittedAt = DEMO_HISTORY_STARTS.getTime() + pledge.day * DAY_MS + 3 * HOUR_MS;
    const registeredAt = submittedAt + 2 * DAY_MS;
    const pledgeInput = (bank: Actor, startsAt: number) =>
      RecordPledgeBody.parse({
        pledgor: { organizationId: pledgor.organizationId },
        pledgeeOrganizationId: bank.organizationId,
        rights: pledge.rights,
        securedAmount: String(pledge.securedYuan),
        termStart: chinaDate(new Date(startsAt)),
        termEnd: addDays(chinaDate(new Date(startsAt)), 365 * pledge.termYears),
        contractNumber: `ZYDK-${chinaDate(new Date(startsAt)).slice(0, 4)}-${String(steps.length).padStart(5, "0")}`,
      });
    const pledgeOnce = (bank: Actor, startsAt: number) => {
      let id = "";
      steps.push({
        at: startsAt,
        async run() {
          id = done(await recordPledge(filling, { caller: bank, input: pledgeInput(bank, startsAt) })).id;
        },
      });
      steps.push({
        at: startsAt + 2 * DAY_MS,
        async run() {
          // Operator A issued the banks' keys, so B registers their pledges.
          await decidePledge(filling, { caller: second, pledgeId: id, decision: "register" });
          summary.pledges.registered++;
        },
      });
      return () => id;
    };
    const bank = banks[pledge.bankIndex] as Actor;
    const idOf = pledgeOnce(bank, submittedAt);
    if (pledge.change && registeredAt + pledge.change.afterDays * DAY_MS < now.getTime()) {
      const change = pledge.change;
      const changeAt = registeredAt + change.afterDays * DAY_MS;
      steps.push({
        at: changeAt,
        async run() {
          const securedAmount = String(change.securedYuan);
          const reason = "Credit line raised on renewal";
          await changePledge(filling, { caller: bank, pledgeId: idOf(), securedAmount, reason });
        },
      });
      steps.push({
        at: changeAt + DAY_MS,
        async run() {
          await decidePledge(filling, { caller: second, pledgeId: idOf(), decision: "register" });
          summary.pledges.changed++;
        },
      });
    }
    const releasedAt = pledge.releasedAfterDays === null ? null : registeredAt + pledge.releasedAfterDays * DAY_MS;
    if (releasedAt !== null && releasedAt + 10 * DAY_MS < now.getTime()) {
      steps.push({
        at: releasedAt,
        async run() {
          await releasePledge(filling, { caller: bank, pledgeId: idOf(), reason: "Loan repaid in full" });
          summary.pledges.released++;
        },
      });
      // Pledged again, to the next bank, a week later.
      pledgeOnce(banks[(pledge.bankIndex + 1) % banks.length] as Actor, releasedAt + 7 * DAY_MS);
    }
  }
  // Stable, and every contract's steps are strictly increasing in time, so each runs after the one it needs.
  steps.sort((a, b) => a.at - b.at);
  for (const step of steps) {
    at(step.at);
    await step.run();
  }
  return summary;
}

function done<T>(outcome: Outcome<T>): T {
  if (outcome.kind !== "done") throw new Error("the demo fill never sends idempotency keys, so never replays");
  return outcome.result;
}

const TITLE_BY_TYPE: Record<string, string> = {
  development: "Development of",
  transfer: "Transfer of the technology for",
  license: "Licence to use the technology for",
  consulting: "Feasibility study on",
  service: "Technical service for",
};

const SUBJECT_BY_FIELD: Record<string, string> = {
  electronic_information: "a plateau data-centre monitoring platform",
  urban_development: "seismic retrofitting of masonry buildings above 3,600 m",
  environmental_protection: "grassland degradation monitoring by remote sensing",
  agriculture: "high-altitude highland barley breeding",
  biomedicine: "standardised Tibetan medicine preparations",
  advanced_manufacturing: "low-oxygen diesel engine calibration",
  new_energy: "photovoltaic micro-grids for pastoral townships",
  modern_transportation: "frost-heave monitoring on the Lhasa ring road",
  new_materials: "cold-resistant concrete admixtures",
  aerospace: "UAV logistics in thin air",
  nuclear_applications: "radiation-safety monitoring for hospital imaging",
};

/** The record-contract body for one synthetic contract, recorded at `recordedAt`. */
function contractInput(contract: SyntheticContract, index: number, recordedAt: Date, members: Actor[]) {
  const signedOn = addDays(chinaDate(recordedAt), -3);
  const memberId = (i: number) => {
    const member = members[i];
    if (!member) throw new Error(`no member ${i}`);
    return member.organizationId;
  };
  const buyer = contract.buyer;
  return {
    title: `${TITLE_BY_TYPE[contract.type] ?? "Contract on"} ${SUBJECT_BY_FIELD[contract.techField] ?? "a technology"}`,
    contractNumber: `DEMO-${signedOn.slice(0, 4)}-${String(index + 1).padStart(6, "0")}`,
    type: contract.type,
    subType: contract.subType,
    seller: { organizationId: memberId(contract.sellerIndex) },
    buyer: "memberIndex" in buyer ? { organizationId: memberId(buyer.memberIndex) } : buyer,
    signedOn,
    validFrom: signedOn,
    validTo: addDays(signedOn, 365),
    totalAmount: formatYuan(contract.totalFen),
    technologyAmount: formatYuan(contract.technologyFen),
    techField: contract.techField,
    ipType: contract.ipType,
  };
}

/** The submit-achievement body for one synthetic achievement. */
function achievementInput(a: SyntheticAchievement, organizationId: string) {
  return {
    title: a.title,
    kind: a.kind,
    completingOrganizations: [{ organizationId }],
    completers: a.completers.map((name) => ({ name, organizationIndex: 0 })),
    researchStartedIn: "2019-03",
    researchEndedIn: "2020-12",
    techField: a.techField,
    stage: a.stage,
    evaluation: a.evaluation,
    keywords: a.keywords,
    abstract: a.abstract,
    ipRights: a.patentNumber ? [{ type: "patent", number: a.patentNumber }] : [],
    transferModes: a.transferModes,
    ...(a.askingPriceYuan === null ? {} : { askingPrice: String(a.askingPriceYuan) }),
  };
}

/** Where the fill writes before renaming, so an interrupted fill never leaves a half-filled demo. */
function fillingPath(path: string): string {
  return `${path}.filling`;
}

/** Resolved, and through symbolic links when the file exists, so two names for one file compare equal. */
function canonicalPath(path: string): string {
  if (path === ":memory:") return path;
  return existsSync(path) ? realpathSync(path) : resolve(path);
}

async function openDemo(path: string): Promise<LedgerDatabase> {
  // NORMAL: the demo can be rebuilt at will, so it trades durability on power loss for fill speed.
  const database = openSqlite(path, { synchronous: "NORMAL" });
  await migrate(database);
  return database;
}

async function fillInto(database: LedgerDatabase, config: Config, vault: KeyVault): Promise<DemoSummary> {
  const deps = await buildDeps(database, config, { vault });
  const started = performance.now();
  console.log(`filling the demo ledger with ${DEMO_CONTRACTS} synthetic contracts from 2021 to now…`);
  const summary = await fillDemo(deps, new Date(), DEMO_CONTRACTS, {
    onProgress: (registered, of, through) => console.log(`  ${registered}/${of} registered (through ${through})`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `filled in ${seconds} s: ${summary.registered} contracts registered ${summary.firstRegisteredOn} to ${summary.lastRegisteredOn} (${summary.large} large, with two operators), ${summary.cancelled} cancelled, ${summary.revoked} revoked; ${summary.members} members; ${summary.pledges.registered} pledges registered (${summary.pledges.released} released and pledged again, ${summary.pledges.changed} changed)`,
  );
  return summary;
}

async function main(): Promise<number> {
  const env = parseConfig(process.env);
  const path = env.LEDGER_DEMO_DATABASE;
  const refusal = demoPathRefusal(canonicalPath(path), canonicalPath(env.LEDGER_DATABASE));
  if (refusal) {
    console.error(`npm run demo refused: ${refusal}`);
    return 1;
  }
  const config: Config = { ...env, LEDGER_OPERATOR_ORGANIZATION: DEMO_REGISTRY };
  // The demo's keys sit beside the demo database, never in the real ledger's key file.
  const { LEDGER_KEY_FILE: _real, ...demoConfig } = { ...config, LEDGER_DATABASE: path };
  const vault = nodeKeyVault(demoConfig);

  let database = await openDemo(path);
  const plan = planDemo(await inspectDemoDatabase(createLedgerStore(database)));
  if (plan.action === "refuse") {
    await database.close();
    console.error(`npm run demo refused to use ${path}: ${plan.reason}. Choose another LEDGER_DEMO_DATABASE.`);
    return 1;
  }
  let operatorApiKey: string;
  if (plan.action === "fill" && path === ":memory:") {
    operatorApiKey = (await fillInto(database, config, vault)).operatorApiKey;
  } else if (plan.action === "fill") {
    await database.close();
    const filling = fillingPath(path);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(filling + suffix, { force: true });
    const fresh = await openDemo(filling);
    operatorApiKey = (await fillInto(fresh, config, vault)).operatorApiKey;
    // Closing the last connection checkpoints the WAL into the file, so the file alone is the demo.
    await fresh.close();
    for (const suffix of ["-wal", "-shm"]) rmSync(path + suffix, { force: true });
    renameSync(filling, path);
    database = await openDemo(path);
  } else {
    // Keys are stored only as hashes, so a returning newcomer gets a new one.
    const deps = await buildDeps(database, config, { vault });
    operatorApiKey = (await createOperator(deps, `Demo newcomer ${new Date().toISOString().slice(0, 10)}`)).apiKey;
    console.log(`serving the demo ledger filled earlier (delete ${path} to build it afresh)`);
  }

  const log =
    config.LEDGER_LOG === "json" ? (line: Record<string, unknown>) => console.log(JSON.stringify(line)) : undefined;
  const deps = await buildDeps(database, config, { vault, ...(log ? { log } : {}), docsScript: docsScriptLoader() });
  serveUntilStopped(deps, database, config, (url) => {
    console.log(
      [
        `tech-market-ledger DEMO listening on ${url}`,
        `  demo database:    ${path === ":memory:" ? "in memory, gone when the demo stops" : resolve(path)} (synthetic history; never the real ledger)`,
        `  operator API key: ${operatorApiKey}`,
        `  token:            curl -s ${url}/v1/auth/token -H 'content-type: application/json' -d '{"apiKey":"${operatorApiKey}"}'`,
        `  try:              curl -s ${url}/v1/statistics/progress`,
        `                    curl -s '${url}/v1/statistics/contracts?groupBy=year,type'`,
        `  docs:             ${url}/docs`,
      ].join("\n"),
    );
  });
  return 0;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  main().then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (error) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
