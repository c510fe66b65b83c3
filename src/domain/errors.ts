/** Broken rules are typed errors; the HTTP layer maps each class to one problem type. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldError {
  /** JSON Pointer into the request body, or a query parameter's name. */
  pointer: string;
  detail: string;
}

/** A problem names at most this many field errors (and how many there were): a body of 100,000 unknown keys gets a short answer. */
export const MAX_FIELD_ERRORS = 20;

/** The field errors as one sentence, the first MAX_FIELD_ERRORS of them. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, MAX_FIELD_ERRORS).map((e) => `${e.pointer || "body"}: ${e.detail}`);
  const more = errors.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

export class ValidationError extends DomainError {
  constructor(readonly errors: FieldError[]) {
    super(describeFieldErrors(errors));
  }
}

/**
 * A statistics answer of more than `limit` groups is refused before it is built: a public query
 * must not hold the service or its memory (issue 15). The problem names `groupBy` and how to narrow.
 */
export class AnswerTooLargeError extends ValidationError {
  constructor(readonly limit: number) {
    super([
      {
        pointer: "groupBy",
        detail: `the answer would have more than ${limit} rows; narrow from and to, group by a coarser period (quarter or year) or by fewer dimensions`,
      },
    ]);
  }
}

/** Every field is well formed, but one names an object that cannot serve (an achievement a contract may not claim). */
export class UnresolvedReferenceError extends ValidationError {}

/** The caller presented no credentials, or credentials that do not hold. */
export class UnauthenticatedError extends DomainError {}

/** The caller is known but the operation is not theirs to perform. */
export class ForbiddenError extends DomainError {}

/** The object does not exist, or the caller may not see it (never reveal which). */
export class NotFoundError extends DomainError {
  constructor(
    readonly subject: string,
    readonly id: string,
  ) {
    super(`${subject} ${id} was not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(
    message: string,
    readonly existingId?: string,
  ) {
    super(message);
  }
}

/** The object exists but its status does not allow the operation. */
export class InvalidStateError extends DomainError {}

/** An Idempotency-Key was reused with a different request. */
export class IdempotencyKeyReuseError extends DomainError {}

/**
 * The ledger head moved between our read and our write: another write landed first. The
 * operation is re-run from its reads; callers never see this unless retries run out.
 */
export class HeadMovedError extends DomainError {}

/**
 * Too much heavy work is already waiting (large reads queued behind one another): refused at once,
 * with how long to wait, instead of queueing without bound while every client's answer grows late.
 */
export class BusyError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Something the service needs is not configured here (a signing key): 503, naming what to set. */
export class ServiceUnavailableError extends DomainError {}
