/**
 * The form of a contract number that decides whether two contracts are the same one: NFKC (so
 * full-width letters, digits and hyphens are the ASCII ones), format characters removed (zero-width
 * space and joiners, word joiner, byte-order mark, soft hyphen), every dash one hyphen, white space
 * removed, case folded. "HT-2025-001", "ht－2025－001" and "HT-2025\u200b-001" are one number.
 * The number itself is kept as the parties wrote it.
 */
export function contractNumberKey(contractNumber: string): string {
  return contractNumber
    .normalize("NFKC")
    .replace(/\p{Cf}/gu, "")
    .replace(/[\p{Pd}\u2212]/gu, "-")
    .replace(/\s/gu, "")
    .toLowerCase();
}
