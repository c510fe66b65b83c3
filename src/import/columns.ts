import { CONTRACT_TYPES, IP_TYPES, PARTY_KINDS, TECH_FIELDS } from "../../contracts/tech-contracts.ts";

/**
 * The columns of a historical import (../shared/api.md, "Historical import"): the API's field
 * names with the parties flattened, or their names on the registration form in Chinese. A header
 * may carry the unit of an amount: `成交额(万元)`, `totalAmount(万元)` (yuan otherwise).
 */
export const IMPORT_FIELDS = [
  "title",
  "contractNumber",
  "type",
  "subType",
  "equityContribution",
  "sellerName",
  "sellerCreditCode",
  "sellerKind",
  "sellerRegion",
  "buyerName",
  "buyerCreditCode",
  "buyerKind",
  "buyerRegion",
  "signedOn",
  "validFrom",
  "validTo",
  "totalAmount",
  "technologyAmount",
  "techField",
  "ipType",
  "registrationNumber",
  "registeredOn",
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** The registration form's names of each column (README, "Historical import"). */
export const CHINESE_HEADERS: Record<ImportField, readonly string[]> = {
  title: ["合同名称", "项目名称"],
  contractNumber: ["合同编号"],
  type: ["合同类别", "合同类型", "技术合同类别"],
  subType: ["合同子类", "合同子类别", "技术合同子类"],
  equityContribution: ["技术入股", "是否技术入股"],
  sellerName: ["卖方名称", "卖方", "转让方名称"],
  sellerCreditCode: ["统一社会信用代码", "卖方统一社会信用代码", "卖方信用代码"],
  sellerKind: ["卖方类型", "卖方性质", "卖方单位性质"],
  sellerRegion: ["卖方地区", "卖方所在地区", "卖方行政区划代码"],
  buyerName: ["买方名称", "买方", "受让方名称"],
  buyerCreditCode: ["买方统一社会信用代码", "买方信用代码"],
  buyerKind: ["买方类型", "买方性质", "买方单位性质"],
  buyerRegion: ["买方地区", "买方所在地区", "买方行政区划代码"],
  signedOn: ["签订日期", "合同签订日期"],
  validFrom: ["有效期起", "合同起始日期", "履行期限起"],
  validTo: ["有效期止", "合同终止日期", "履行期限止"],
  totalAmount: ["成交额", "合同成交额", "合同金额"],
  technologyAmount: ["技术交易额", "技术性收入"],
  techField: ["技术领域"],
  ipType: ["知识产权类型", "知识产权"],
  registrationNumber: ["登记号", "登记编号", "认定登记号"],
  registeredOn: ["登记日期", "认定登记日期"],
};

const byName = new Map<string, ImportField>();
for (const field of IMPORT_FIELDS) {
  byName.set(field.toLowerCase(), field);
  for (const name of CHINESE_HEADERS[field]) byName.set(name, field);
}

export interface Column {
  field: ImportField;
  /** As the file spells it, for reports. */
  header: string;
  /** 10,000 for a header in 万元. */
  scale: 1 | 10_000;
}

/** A header cell as a column, or null for one this import does not know. */
export function columnOf(header: string): Column | null {
  const text = header.normalize("NFKC").trim();
  const unit = /[(（]\s*(万元|元|yuan|10k yuan)\s*[)）]\s*$/i.exec(text);
  const name = (unit ? text.slice(0, unit.index) : text).trim();
  const field = byName.get(name) ?? byName.get(name.toLowerCase());
  if (!field) return null;
  const scale = unit && /万元|10k/i.test(unit[1] ?? "") ? 10_000 : 1;
  if (scale !== 1 && field !== "totalAmount" && field !== "technologyAmount") return null;
  return { field, header, scale };
}

/** Chinese (and a few English) names of the enumerated values, to the API's. */
const VALUES: Partial<Record<ImportField, Record<string, string>>> = {
  type: {
    技术开发: "development",
    技术转让: "transfer",
    技术许可: "license",
    技术咨询: "consulting",
    技术服务: "service",
  },
  subType: {
    委托开发: "commissioned",
    合作开发: "cooperative",
    专利权转让: "patent_right",
    专利申请权转让: "patent_application_right",
    技术秘密转让: "technical_secret",
    技术秘密许可: "technical_secret",
    技术秘密: "technical_secret",
    其他知识产权转让: "other_ip",
    其他知识产权许可: "other_ip",
    其他: "other_ip",
    专利独占实施许可: "patent_exclusive",
    独占许可: "patent_exclusive",
    专利排他实施许可: "patent_sole",
    排他许可: "patent_sole",
    专利普通实施许可: "patent_ordinary",
    普通许可: "patent_ordinary",
    专利实施许可: "patent_ordinary",
    技术服务: "technical_service",
    技术培训: "training",
    技术中介: "intermediary",
  },
  sellerKind: partyKinds(),
  buyerKind: partyKinds(),
  techField: {
    电子信息: "electronic_information",
    先进制造: "advanced_manufacturing",
    航空航天: "aerospace",
    现代交通: "modern_transportation",
    生物医药: "biomedicine",
    "生物、医药和医疗器械": "biomedicine",
    新材料: "new_materials",
    新材料及其应用: "new_materials",
    新能源: "new_energy",
    新能源与高效节能: "new_energy",
    环境保护: "environmental_protection",
    环境保护与资源综合利用: "environmental_protection",
    核应用: "nuclear_applications",
    核应用技术: "nuclear_applications",
    农业: "agriculture",
    现代农业: "agriculture",
    城市建设: "urban_development",
    城市建设与社会发展: "urban_development",
  },
  ipType: {
    专利: "patent",
    技术秘密: "technical_secret",
    计算机软件著作权: "software_copyright",
    软件著作权: "software_copyright",
    集成电路布图设计: "ic_layout",
    植物新品种: "plant_variety",
    生物医药新品种: "biomedical_variety",
    未涉及知识产权: "none",
    无: "none",
  },
  equityContribution: { 是: "true", 否: "false", yes: "true", no: "false", "1": "true", "0": "false" },
};

function partyKinds(): Record<string, string> {
  return {
    机关法人: "government_agency",
    政府机关: "government_agency",
    科研机构: "research_institute",
    科研院所: "research_institute",
    高等院校: "university",
    医疗卫生机构: "medical_institution",
    其他事业法人: "other_institution",
    其他事业单位: "other_institution",
    社团法人: "social_organization",
    社会组织: "social_organization",
    企业法人: "enterprise",
    企业: "enterprise",
    港澳台企业: "hmt_enterprise",
    外资企业: "foreign_enterprise",
    外国企业: "foreign_enterprise",
    自然人: "individual",
    个人: "individual",
  };
}

const KNOWN: Partial<Record<ImportField, readonly string[]>> = {
  type: CONTRACT_TYPES,
  sellerKind: PARTY_KINDS,
  buyerKind: PARTY_KINDS,
  techField: TECH_FIELDS,
  ipType: IP_TYPES,
};

/** A cell's value as the API spells it: Chinese names mapped, an API value kept as it is. */
export function cellValue(field: ImportField, text: string): string {
  const value = text.normalize("NFKC").trim();
  const known = KNOWN[field];
  if (known?.includes(value)) return value;
  return VALUES[field]?.[value] ?? VALUES[field]?.[value.toLowerCase()] ?? value;
}
