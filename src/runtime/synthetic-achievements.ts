import { patentCheckCharacter } from "../../contracts/ip-numbers.ts";
import { random } from "./synthetic-history.ts";

/**
 * Synthetic technology achievements for the demo and the benchmarks, never for a real ledger:
 * results of plateau agriculture, Tibetan medicine, clean energy and ecology, with Chinese titles,
 * keywords and abstracts built from each theme's vocabulary. Deterministic for a seed.
 */

interface Theme {
  techField: string;
  subjects: string[];
  methods: string[];
  keywords: string[];
  outcomes: string[];
}

const THEMES: Theme[] = [
  {
    techField: "agriculture",
    subjects: ["青稞", "牦牛", "藏香猪", "高原油菜", "燕麦草", "藏系绵羊", "高原食用菌", "牦牛乳"],
    methods: ["高产栽培技术", "良种选育", "精深加工工艺", "绿色防控技术", "品质提升技术", "冷链保鲜技术"],
    keywords: ["青稞", "牦牛", "高原农业", "良种", "深加工", "饲草", "冷链", "有机"],
    outcomes: ["亩产提高一成以上", "出栏周期缩短", "附加值显著提高", "农牧民增收明显"],
  },
  {
    techField: "biomedicine",
    subjects: ["藏药七十味珍珠丸", "二十五味松石丸", "红景天", "藏红花", "冬虫夏草", "藏药浴", "佐太"],
    methods: ["质量标准研究", "制剂工艺优化", "有效成分提取", "药效评价", "指纹图谱研究", "临床应用研究"],
    keywords: ["藏药", "红景天", "质量标准", "指纹图谱", "制剂", "民族医药", "虫草"],
    outcomes: ["建立了可追溯的质量标准", "有效成分得率提高三成", "完成临床前评价", "形成企业标准"],
  },
  {
    techField: "new_energy",
    subjects: ["高海拔光伏电站", "牧区光储微电网", "地热能", "风光互补系统", "太阳能采暖", "储能电池"],
    methods: ["运维系统", "低温适应性设计", "智能调度技术", "效率提升技术", "集成应用示范"],
    keywords: ["光伏", "储能", "微电网", "地热", "清洁能源", "太阳能"],
    outcomes: ["发电效率提高百分之八", "冬季供暖成本下降", "实现无人值守运维", "解决偏远牧区用电"],
  },
  {
    techField: "environmental_protection",
    subjects: ["高寒草地", "湿地", "冰川", "拉萨河流域", "沙化土地", "高原湖泊"],
    methods: ["退化修复技术", "遥感监测方法", "生态补偿评估", "水质在线监测", "植被恢复技术"],
    keywords: ["生态修复", "草地", "遥感", "湿地", "水质监测", "冰川"],
    outcomes: ["植被覆盖度提高两成", "建立长期监测网络", "形成地方技术规程", "修复面积逾万亩"],
  },
];

const KINDS = [
  ["applied_technology", 0.8],
  ["basic_theory", 0.12],
  ["soft_science", 0.08],
] as const;

const STAGES = ["early", "middle", "mature"] as const;
const EVALUATIONS = ["international_advanced", "domestic_leading", "domestic_advanced", "not_evaluated"] as const;
const MODES = ["transfer", "license", "equity", "cooperation"] as const;
const COMPLETERS = ["扎西", "卓玛", "次仁", "央金", "格桑", "达瓦", "索朗", "德吉", "平措", "拉姆", "王强", "李静"];

export interface SyntheticAchievement {
  title: string;
  kind: string;
  techField: string;
  stage: string;
  evaluation: string;
  keywords: string[];
  abstract: string;
  completers: string[];
  patentNumber: string | null;
  transferModes: string[];
  askingPriceYuan: number | null;
  /** Fate in the demo: most are registered, a few rejected or withdrawn. */
  fate: "registered" | "rejected" | "withdrawn";
}

export function syntheticAchievements(count: number, seed = 11): SyntheticAchievement[] {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const weighted = <T>(table: readonly (readonly [T, number])[]) => {
    let x = rand();
    for (const [value, weight] of table) {
      x -= weight;
      if (x < 0) return value;
    }
    return (table.at(-1) as readonly [T, number])[0];
  };
  const result: SyntheticAchievement[] = [];
  for (let i = 0; i < count; i++) {
    const theme = pick(THEMES);
    const subject = pick(theme.subjects);
    const method = pick(theme.methods);
    const kind = weighted(KINDS);
    const keywords = [
      ...new Set([subject.length <= 4 ? subject : pick(theme.keywords), pick(theme.keywords), pick(theme.keywords)]),
    ]
      .slice(0, 1 + Math.floor(rand() * 3))
      .filter((k) => k.length > 0);
    const digits = `20${String(18 + Math.floor(rand() * 7))}1${String(Math.floor(rand() * 10_000_000)).padStart(7, "0")}`;
    const modes = MODES.filter(() => rand() < 0.45);
    result.push({
      title: `${subject}${method}${kind === "soft_science" ? "对策研究" : ""}`,
      kind,
      techField: theme.techField,
      stage: pick(STAGES),
      evaluation: pick(EVALUATIONS),
      keywords,
      abstract: `针对西藏高原${subject}的${method.replace(/技术|研究|工艺/g, "")}问题，项目组开展系统研究，${pick(theme.outcomes)}。成果适用于拉萨及周边地区推广应用。`,
      completers: [pick(COMPLETERS), pick(COMPLETERS)].filter((v, j, a) => a.indexOf(v) === j),
      patentNumber: rand() < 0.6 ? `ZL${digits}.${patentCheckCharacter(digits)}` : null,
      transferModes: modes.length > 0 ? modes : ["cooperation"],
      askingPriceYuan: rand() < 0.5 ? Math.round(100_000 + rand() * 4_900_000) : null,
      fate: rand() < 0.05 ? "rejected" : rand() < 0.04 ? "withdrawn" : "registered",
    });
  }
  return result;
}
