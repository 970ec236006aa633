import { ApiError } from "@badges/client";

/** A JSON:API error object, as WarpDrive's cache (`cache.getErrors`) and Ember apps read them. */
export interface JsonApiError {
  status: string;
  code: string;
  title: string;
  detail: string;
  /** `/data/attributes/<api field>` for a field, `/data` for the body as a whole. */
  source?: { pointer: string };
}

/**
 * Every failed request made through the handler: the API's problem document, its messages as
 * JSON:API error objects (`errors`), and the status class below. Branch on `status` and `code`.
 *
 * `instanceof` works on the classes below even after the store copied the error (WarpDrive's
 * CacheHandler re-creates the error of a failed read as a plain `Error` with the same own fields):
 * each class recognises its status from the copied fields.
 */
export class BadgesRequestError extends Error {
  /** The class name (`NotFoundError`...): an own field, so it survives the store's copy. */
  override name: string = "BadgesRequestError";
  /** Marks the errors of this package (kept on copies too). */
  readonly isBadgesRequestError = true;
  /** As Ember Data's legacy `AdapterError`, for code that checks it. */
  readonly isAdapterError = true;
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** The JSON:API error objects: one per field message on a 422, else one for the problem. */
  readonly errors: JsonApiError[];
  /** Messages per API field (`{"ends_at": ["..."]}`), as the API sent them (422 only). */
  readonly fieldErrors: Readonly<Record<string, readonly string[]>>;
  /** Seconds from `Retry-After` (429, 503), else null. */
  readonly retryAfter: number | null;
  /** Where WarpDrive's CacheHandler looks for the errors of a rejected save. */
  readonly content: { errors: JsonApiError[] };

  constructor(problem: ApiError) {
    super(problem.message);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.fieldErrors = problem.errors;
    this.retryAfter = problem.retryAfter;
    this.errors = toJsonApiErrors(problem);
    this.content = { errors: this.errors };
  }

  /** The messages whose pointer names this API field (`"ends_at"`), for a form. */
  messagesFor(field: string): string[] {
    const pointer = pointerFor(field);
    return this.errors.filter((error) => error.source?.pointer === pointer).map((error) => error.detail);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBadgesRequestError(value) && (this as typeof BadgesRequestError).matches(value);
  }

  /** Which errors a class stands for (overridden per status). */
  static matches(_error: { status: number }): boolean {
    return true;
  }
}

/** 422: invalid fields. `errors` carry `source.pointer` `/data/attributes/<field>`. */
export class InvalidError extends BadgesRequestError {
  override name = "InvalidError";
  static override matches(error: { status: number }): boolean {
    return error.status === 422;
  }
}
/** 401: no token, or one that is expired (after the one refresh), invalid or revoked: log in. */
export class UnauthorizedError extends BadgesRequestError {
  override name = "UnauthorizedError";
  static override matches(error: { status: number }): boolean {
    return error.status === 401;
  }
}
/** 403: not allowed (an admin screen, a system font, a built-in template). */
export class ForbiddenError extends BadgesRequestError {
  override name = "ForbiddenError";
  static override matches(error: { status: number }): boolean {
    return error.status === 403;
  }
}
/** 404: no such resource, or someone else's (the API does not tell them apart). */
export class NotFoundError extends BadgesRequestError {
  override name = "NotFoundError";
  static override matches(error: { status: number }): boolean {
    return error.status === 404;
  }
}
/** 409: a conflict (`email_taken`, `job_not_finished`...). */
export class ConflictError extends BadgesRequestError {
  override name = "ConflictError";
  static override matches(error: { status: number }): boolean {
    return error.status === 409;
  }
}
/** 429: too many requests; wait `retryAfter` seconds. */
export class TooManyRequestsError extends BadgesRequestError {
  override name = "TooManyRequestsError";
  static override matches(error: { status: number }): boolean {
    return error.status === 429;
  }
}
/** 500 and up: the server failed or is unavailable (`retryAfter` on a 503). */
export class ServerError extends BadgesRequestError {
  override name = "ServerError";
  static override matches(error: { status: number }): boolean {
    return error.status >= 500;
  }
}

export function isBadgesRequestError(value: unknown): value is BadgesRequestError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { isBadgesRequestError?: unknown }).isBadgesRequestError === true &&
    typeof (value as { status?: unknown }).status === "number"
  );
}

/** The class for a failed request's status. */
export function errorFor(problem: ApiError): BadgesRequestError {
  switch (problem.status) {
    case 401:
      return new UnauthorizedError(problem);
    case 403:
      return new ForbiddenError(problem);
    case 404:
      return new NotFoundError(problem);
    case 409:
      return new ConflictError(problem);
    case 422:
      return new InvalidError(problem);
    case 429:
      return new TooManyRequestsError(problem);
    default:
      return problem.status >= 500 ? new ServerError(problem) : new BadgesRequestError(problem);
  }
}

/**
 * The JSON:API pointer for an API error key: `ends_at` -> `/data/attributes/ends_at`, `body` ->
 * `/data`, a nested `ticket_ids.3` -> `/data/attributes/ticket_ids/3`, a row of an array body
 * `0.price` -> `/data/0/attributes/price`.
 */
export function pointerFor(field: string): string {
  if (field === "body") return "/data";
  const row = /^(\d+)(?:\.(.+))?$/.exec(field);
  if (row) return row[2] ? `/data/${row[1]}/attributes/${row[2].replaceAll(".", "/")}` : `/data/${row[1]}`;
  return `/data/attributes/${field.replaceAll(".", "/")}`;
}

function toJsonApiErrors(problem: ApiError): JsonApiError[] {
  const base = { status: String(problem.status), code: problem.code, title: problem.title };
  const errors: JsonApiError[] = [];
  for (const [field, messages] of Object.entries(problem.errors)) {
    for (const detail of messages) errors.push({ ...base, detail, source: { pointer: pointerFor(field) } });
  }
  return errors.length > 0 ? errors : [{ ...base, detail: problem.detail }];
}
