import { creditCodeCheckCharacter } from "../../contracts/credit-code.ts";
import type { OrganizationKind } from "../domain/organizations/organization.ts";
import type { PartyKind } from "../domain/tech-contracts/tech-contract.ts";

/**
 * Realistic synthetic market history for the demo and the benchmarks, never for a real ledger.
 * Proportions follow the shape of published provincial technology-market tables: technical
 * service and development dominate counts and value, electronic information leads the fields,
 * amounts are heavy-tailed between 100,000 and 50,000,000 yuan.
 */

/** A small deterministic PRNG (mulberry32), so every run builds the same history. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function weighted<T>(rand: () => number, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [value, weight] of table) {
    x -= weight;
    if (x < 0) return value;
  }
  return (table.at(-1) as readonly [T, number])[0];
}

export const TYPE_WEIGHTS = [
  [["service", "technical_service"], 0.4],
  [["service", "training"], 0.04],
  [["service", "intermediary"], 0.02],
  [["development", "commissioned"], 0.22],
  [["development", "cooperative"], 0.08],
  [["consulting", null], 0.1],
  [["transfer", "patent_right"], 0.04],
  [["transfer", "technical_secret"], 0.03],
  [["transfer", "other_ip"], 0.01],
  [["license", "patent_ordinary"], 0.03],
  [["license", "patent_exclusive"], 0.02],
  [["license", "other_ip"], 0.01],
] as const;

export const FIELD_WEIGHTS = [
  ["electronic_information", 0.24],
  ["urban_development", 0.15],
  ["environmental_protection", 0.1],
  ["agriculture", 0.11],
  ["biomedicine", 0.09],
  ["advanced_manufacturing", 0.09],
  ["new_energy", 0.08],
  ["modern_transportation", 0.06],
  ["new_materials", 0.05],
  ["aerospace", 0.02],
  ["nuclear_applications", 0.01],
] as const;

const IP_BY_TYPE: Record<string, readonly (readonly [string, number])[]> = {
  transfer: [
    ["patent", 0.6],
    ["technical_secret", 0.25],
    ["software_copyright", 0.1],
    ["plant_variety", 0.05],
  ],
  license: [
    ["patent", 0.55],
    ["software_copyright", 0.3],
    ["technical_secret", 0.15],
  ],
  other: [
    ["none", 0.55],
    ["software_copyright", 0.2],
    ["technical_secret", 0.15],
    ["patent", 0.1],
  ],
};

/** Lhasa's districts and counties (GB/T 2260); the city itself is 540100. */
const DISTRICT_WEIGHTS = [
  ["540102", 0.55],
  ["540103", 0.12],
  ["540104", 0.08],
  ["540121", 0.06],
  ["540122", 0.04],
  ["540123", 0.03],
  ["540124", 0.07],
  ["540127", 0.05],
] as const;

export interface SyntheticMember {
  name: string;
  kind: OrganizationKind;
  regionCode: string;
  creditCode: string;
}

export function creditCode(n: number, region: string, prefix = "91"): string {
  const body = `${prefix}${region}${String(n).padStart(9, "0")}`;
  return body + creditCodeCheckCharacter(body);
}

/** The market's members: universities and institutes sell most technology; enterprises buy it. */
export function syntheticMembers(): SyntheticMember[] {
  const rand = random(7);
  const members: SyntheticMember[] = [
    {
      name: "西藏大学 Tibet University",
      kind: "university",
      regionCode: "540102",
      creditCode: creditCode(1, "540102", "12"),
    },
    {
      name: "西藏农牧学院 Tibet Agriculture and Animal Husbandry University",
      kind: "university",
      regionCode: "540102",
      creditCode: creditCode(2, "540102", "12"),
    },
    {
      name: "西藏民族大学 Xizang Minzu University",
      kind: "university",
      regionCode: "540102",
      creditCode: creditCode(3, "540102", "12"),
    },
    {
      name: "西藏自治区农牧科学院 Tibet Academy of Agricultural and Animal Husbandry Sciences",
      kind: "research_institute",
      regionCode: "540102",
      creditCode: creditCode(4, "540102", "12"),
    },
    {
      name: "西藏高原生物研究所 Tibet Plateau Institute of Biology",
      kind: "research_institute",
      regionCode: "540102",
      creditCode: creditCode(5, "540102", "12"),
    },
    {
      name: "西藏自治区藏医院 Tibetan Medicine Hospital",
      kind: "medical_institution",
      regionCode: "540102",
      creditCode: creditCode(6, "540102", "12"),
    },
  ];
  const trades = [
    "数字科技",
    "新能源",
    "生态环保",
    "高原农业",
    "藏药",
    "建筑设计",
    "信息技术",
    "交通工程",
    "新材料",
    "智能制造",
  ];
  for (let i = 0; i < 24; i++) {
    const region = weighted(rand, DISTRICT_WEIGHTS);
    const trade = trades[i % trades.length];
    members.push({
      name: `拉萨${trade}有限公司 Lhasa Enterprise ${i + 1}`,
      kind: "enterprise",
      regionCode: region,
      creditCode: creditCode(100 + i, region),
    });
  }
  return members;
}

export interface SyntheticContract {
  registeredAt: Date;
  type: string;
  subType: string | null;
  techField: string;
  ipType: string;
  totalFen: number;
  technologyFen: number;
  sellerIndex: number;
  /** A member (by index) or an outside buyer given inline. */
  buyer: { memberIndex: number } | { name: string; creditCode: string; kind: PartyKind; regionCode: string };
  reversal: null | { kind: "cancellation" | "revocation"; afterDays: number };
}

const OUTSIDE_REGIONS = [
  ["540402", "enterprise"],
  ["540502", "enterprise"],
  ["510104", "enterprise"],
  ["110108", "enterprise"],
  ["310115", "enterprise"],
  ["440305", "enterprise"],
  ["630102", "research_institute"],
  ["810000", "hmt_enterprise"],
] as const;

/**
 * `count` contracts registered from `from` to `to`, growing year on year as the market did, in
 * time order. Deterministic for a seed.
 */
export function syntheticContracts(
  count: number,
  from: Date,
  to: Date,
  members: SyntheticMember[],
  seed = 42,
): SyntheticContract[] {
  const rand = random(seed);
  const span = to.getTime() - from.getTime();
  const sellers = members.map((m, i) => [i, m.kind === "enterprise" ? 0.6 : 3] as const);
  const contracts: SyntheticContract[] = [];
  for (let i = 0; i < count; i++) {
    // Density grows linearly over time: sqrt of a uniform gives a rising ramp.
    const at = new Date(from.getTime() + Math.sqrt(rand()) * span);
    // Business hours, China Standard Time (UTC+8): 09:00-18:00 is 01:00-10:00 UTC.
    at.setUTCHours(1 + Math.floor(rand() * 9), Math.floor(rand() * 60), Math.floor(rand() * 60), 0);
    const [type, subType] = weighted<readonly [string, string | null]>(rand, TYPE_WEIGHTS);
    // Log-normal-ish amounts, clipped to 100,000 - 50,000,000 yuan.
    const yuan = Math.min(50_000_000, Math.max(100_000, Math.exp(13.8 + 1.25 * gaussian(rand))));
    const totalFen = Math.round(yuan * 100);
    const techShare = type === "development" ? 0.6 + rand() * 0.35 : 0.85 + rand() * 0.15;
    const sellerIndex = weighted(rand, sellers);
    let buyer: SyntheticContract["buyer"];
    if (rand() < 0.55) {
      let memberIndex = 6 + Math.floor(rand() * (members.length - 6));
      if (memberIndex === sellerIndex) memberIndex = memberIndex === 6 ? 7 : 6;
      buyer = { memberIndex };
    } else {
      const [region, kind] = OUTSIDE_REGIONS[Math.floor(rand() * OUTSIDE_REGIONS.length)] ?? OUTSIDE_REGIONS[0];
      const n = Math.floor(rand() * 400);
      buyer = { name: `Buyer ${region}-${n}`, creditCode: creditCode(10_000 + n, region), kind, regionCode: region };
    }
    const r = rand();
    contracts.push({
      registeredAt: at,
      type,
      subType,
      techField: weighted(rand, FIELD_WEIGHTS),
      ipType: weighted(rand, IP_BY_TYPE[type] ?? IP_BY_TYPE.other ?? []),
      totalFen,
      technologyFen: Math.round(totalFen * techShare),
      sellerIndex,
      buyer,
      reversal:
        r < 0.015
          ? { kind: "revocation", afterDays: 10 + Math.floor(rand() * 200) }
          : r < 0.025
            ? { kind: "cancellation", afterDays: 30 + Math.floor(rand() * 300) }
            : null,
    });
  }
  return contracts.sort((a, b) => a.registeredAt.getTime() - b.registeredAt.getTime());
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
