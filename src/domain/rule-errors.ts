import type { z } from "@hono/zod-openapi";
import type { FieldError } from "./errors.ts";

/**
 * The errors of a contract's rules across fields (`checkContractRules`, `checkAchievementRules`:
 * plain functions of a value that report issues), for a value the domain assembled itself, such as
 * a correction merged onto what is stored. The fields were validated where they came in; only the
 * rules across them run again, and no HTTP schema is parsed inside the domain.
 */
export function ruleErrors(
  check: (value: Record<string, unknown>, ctx: z.RefinementCtx) => void,
  value: object,
): FieldError[] {
  const errors: FieldError[] = [];
  const ctx = {
    addIssue(issue: { path?: PropertyKey[]; message?: string }) {
      errors.push({
        pointer: (issue.path ?? []).map((p) => `/${String(p)}`).join(""),
        detail: issue.message ?? "is invalid",
      });
    },
  };
  check(value as Record<string, unknown>, ctx as unknown as z.RefinementCtx);
  return errors;
}
