import type { components } from "./openapi.js";

/** The API's error document (RFC 9457), as openapi.yaml's `Problem` schema describes it. */
export type Problem = components["schemas"]["Problem"];

/** Messages per field, e.g. `{"email": ["Not a valid email address."], "0.price": [...]}`. */
export type FieldErrors = Readonly<Record<string, readonly string[]>>;

/**
 * A failed request: the API's problem document, typed. Branch on `status` and `code` together
 * (`401 token_expired` is not `422 token_expired`); show `detail` to a person; put `errors` under
 * the form fields they name (422 only; nested fields use dots, the body as a whole is `body`).
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldErrors;
  /** Seconds from `Retry-After` (429 and 503 answers), else null. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? {};
    this.retryAfter = retryAfter;
  }

  /** The messages for one field (`"email"`, `"options.template"`, `"0.price"`), or none. */
  fieldErrors(field: string): readonly string[] {
    return this.errors[field] ?? [];
  }

  /** Reads a failed response's body. Anything that is not a problem document (a proxy's HTML
   * page, say) becomes a generic problem with code `http_error`. */
  static async fromResponse(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => "");
    const seconds = Number(response.headers.get("Retry-After"));
    const retryAfter = response.headers.has("Retry-After") && Number.isFinite(seconds) ? seconds : null;
    return new ApiError(parseProblem(text) ?? genericProblem(response), retryAfter);
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

function parseProblem(text: string): Problem | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const { status, code, detail, title, type, errors } = record;
  if (typeof status !== "number" || typeof code !== "string") return null;
  return {
    type: typeof type === "string" ? type : "about:blank",
    title: typeof title === "string" ? title : "",
    status,
    code,
    detail: typeof detail === "string" ? detail : "",
    ...(isFieldErrors(errors) ? { errors } : {}),
  };
}

function isFieldErrors(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.values(value).every((messages) => Array.isArray(messages) && messages.every((m) => typeof m === "string"))
  );
}

function genericProblem(response: Response): Problem {
  return {
    type: "about:blank",
    title: response.statusText,
    status: response.status,
    code: "http_error",
    detail: `HTTP ${response.status}`,
  };
}
