/**
 * Register numbers of intellectual property rights, by register. Each check returns a message for
 * a number that is not in its register's format, or null. Numbers are compared in a normal form
 * (`normalizeIpNumber`): NFKC (full-width to ASCII), spaces removed, upper case, and a patent's
 * optional "ZL" prefix and the "." before its check character dropped, so that ZL202110123456.7,
 * 202110123456.7 and ２０２１１０１２３４５６７ are one patent.
 */

export function normalizeIpNumber(type: string, number: string): string {
  const folded = number.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  return type === "patent" ? folded.replace(/^ZL/, "").replace(/\.(?=[\dX]$)/, "") : folded;
}

/** One right across the registries: its type and normalised number (a pledge's uniqueness key). */
export function ipRightKey(type: string, number: string): string {
  return `${type}:${normalizeIpNumber(type, number)}`;
}

/**
 * The check character of a Chinese patent application number (CNIPA): digits weighted
 * 2, 3, ... 9, 2, 3 ... from the left, the sum modulo 11, 10 written X.
 */
export function patentCheckCharacter(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * (2 + (i % 8));
  const check = sum % 11;
  return check === 10 ? "X" : String(check);
}

/** Since 2003, 12 digits (year, type 1-3 or 8-9, serial); before, 8 digits; then "." and the check character. */
export function patentNumberProblem(number: string): string | null {
  const n = normalizeIpNumber("patent", number);
  const match = /^(\d{12}|\d{8})\.?([\dX])$/.exec(n);
  if (!match) {
    return "must be a Chinese patent number such as ZL202110123456.7 (12 digits, or 8 before 2003, then the check character)";
  }
  const [, digits = "", check] = match;
  if (digits.length === 12) {
    const year = Number(digits.slice(0, 4));
    if (year < 2003 || year > 2099) return "has a year outside 2003-2099 in its first four digits";
    if (!"12389".includes(digits.charAt(4))) return "has a patent type (fifth digit) other than 1, 2, 3, 8 or 9";
  }
  const expected = patentCheckCharacter(digits);
  if (check !== expected) return `has a wrong check character: ${digits}.${expected} would be valid`;
  return null;
}

/** A Map, not an object: a type such as `__proto__` from a request must find nothing. */
const FORMATS = new Map<string, { pattern: RegExp; example: string }>(
  Object.entries({
    software_copyright: { pattern: /^\d{4}SR\d{6,8}$/, example: "2021SR0123456" },
    copyright: { pattern: /^(国作登字|作登字)-?\d{4}-?[A-Z]-?\d{6,10}$/u, example: "国作登字-2021-A-00012345" },
    trademark: { pattern: /^\d{1,9}$/, example: "12345678" },
    ic_layout: { pattern: /^BS\.?\d{8,9}[\dX]?$/, example: "BS.215012345" },
    plant_variety: { pattern: /^CNA\d{6,12}(\.\d)?[A-Z]?$/, example: "CNA20191001234" },
    biomedical_variety: { pattern: /^[\p{L}\p{N}.-]{4,40}$/u, example: "国药准字H20200001" },
    technical_secret: { pattern: /^[\p{L}\p{N}._/-]{1,64}$/u, example: "TS-2021-007" },
  }),
);

export function ipNumberProblem(type: string, number: string): string | null {
  if (type === "patent") return patentNumberProblem(number);
  const format = FORMATS.get(type);
  if (!format) return null;
  return format.pattern.test(normalizeIpNumber(type, number))
    ? null
    : `must be a ${type} number such as ${format.example}`;
}
