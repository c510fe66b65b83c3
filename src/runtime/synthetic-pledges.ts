import { patentCheckCharacter } from "../../contracts/ip-numbers.ts";

/** Lenders of Lhasa that take IP as security in the demo. */
export const DEMO_BANKS = [
  { name: "西藏银行 Bank of Tibet", regionCode: "540102" },
  { name: "中国农业银行拉萨分行 Agricultural Bank of China, Lhasa", regionCode: "540102" },
  { name: "拉萨农村商业银行 Lhasa Rural Commercial Bank", regionCode: "540103" },
] as const;

const PATENT_TITLES = [
  "一种青稞β-葡聚糖的提取方法",
  "高原牦牛乳低温发酵工艺",
  "藏药红景天有效成分的纯化方法",
  "一种藏红花组培快繁方法",
  "高原温室智能补光控制系统",
  "藏药七十味珍珠丸的质量检测方法",
  "一种牦牛肉风干装置",
  "青稞酒酿造用复合菌剂",
];
const TRADEMARK_TITLES = ["雪域青稞", "圣域牦牛", "藏医甘露", "高原红", "拉萨净土"];

export interface SyntheticPledge {
  /** Days after the history starts that the pledge is submitted (registered two days later). */
  day: number;
  pledgorIndex: number;
  bankIndex: number;
  rights: { type: "patent" | "trademark"; number: string; title: string }[];
  securedYuan: number;
  termYears: number;
  /** Released this many days after registration (the rights are pledged again to another bank), or kept. */
  releasedAfterDays: number | null;
  /** Raised by the pledgee this many days after registration, to this amount. */
  change: { afterDays: number; securedYuan: number } | null;
}

/** A small deterministic generator, so every demo fill is the same (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` pledges of plateau-agriculture and Tibetan-medicine firms' patents and trademarks over
 * `spanDays`, from 500,000 to 30,000,000 yuan; about a fifth released (and re-pledged), a tenth raised.
 */
export function syntheticPledges(count: number, spanDays: number, pledgors: number): SyntheticPledge[] {
  const rand = random(11);
  const pledges: SyntheticPledge[] = [];
  for (let i = 0; i < count; i++) {
    const rights = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, j) => {
      const trademark = rand() < 0.35;
      if (trademark) {
        return {
          type: "trademark" as const,
          number: String(20_000_000 + i * 10 + j),
          title: TRADEMARK_TITLES[(i + j) % TRADEMARK_TITLES.length] as string,
        };
      }
      const year = 2015 + ((i + j) % 9);
      const digits = `${year}1${String(100_000 + i * 10 + j).padStart(7, "0")}`;
      return {
        type: "patent" as const,
        number: `ZL${digits}.${patentCheckCharacter(digits)}`,
        title: PATENT_TITLES[(i + j) % PATENT_TITLES.length] as string,
      };
    });
    const securedYuan = Math.round((500_000 + rand() * 29_500_000) / 10_000) * 10_000;
    const released = rand() < 0.2;
    const changed = !released && rand() < 0.12;
    pledges.push({
      day: Math.floor((spanDays * i) / count),
      pledgorIndex: Math.floor(rand() * pledgors),
      bankIndex: Math.floor(rand() * DEMO_BANKS.length),
      rights,
      securedYuan,
      termYears: 1 + Math.floor(rand() * 3),
      releasedAfterDays: released ? 120 + Math.floor(rand() * 400) : null,
      change: changed
        ? { afterDays: 90 + Math.floor(rand() * 200), securedYuan: Math.min(30_000_000, securedYuan + 2_000_000) }
        : null,
    });
  }
  return pledges;
}
