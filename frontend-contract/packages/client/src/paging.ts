import type { BadgesClient, QueryParams } from "./client.js";
import type { paths } from "./openapi.js";

type JsonOf<R> = R extends { content: { "application/json": infer J } } ? J : never;
type PageBody<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? JsonOf<R> : never;

/** The list endpoints: a GET answering `{items, total, page, per_page}` with a `Link` header. */
export type ListPath = {
  [P in keyof paths]: PageBody<P> extends { items: unknown[]; total: number } ? P : never;
}[keyof paths];

/** One page of a list endpoint, e.g. `Page<"/events">` is an `EventPage`. */
export type Page<P extends ListPath> = PageBody<P>;
/** One item of a list endpoint, e.g. `Item<"/events">` is an `Event`. */
export type Item<P extends ListPath> = Page<P>["items"][number];

type GetParameters<P extends ListPath> = paths[P] extends { get: { parameters: infer A } } ? A : never;
type PathParams<P extends ListPath> = GetParameters<P> extends { path: infer T } ? (T extends undefined ? never : T) : never;

/** The query (`page`, `per_page`, filters) and, for nested lists, the path's ids. */
export type ListParams<P extends ListPath> = {
  query?: GetParameters<P> extends { query?: infer Q } ? Q & QueryParams : QueryParams;
} & ([PathParams<P>] extends [never] ? { path?: undefined } : { path: PathParams<P> });

type ParamsArgument<P extends ListPath> = [PathParams<P>] extends [never]
  ? [params?: ListParams<P>]
  : [params: ListParams<P>];

/**
 * Every page of a list, following the `Link` header's `rel="next"` until there is none. The first
 * request is `path` with `params`; the next ones are the URLs the API links to (they keep the
 * query, `per_page` included).
 */
export function pages<P extends ListPath>(
  client: BadgesClient,
  path: P,
  ...[params]: ParamsArgument<P>
): AsyncGenerator<Page<P>, void, undefined> {
  return walk(client, path, params?.path ?? {}, params?.query ?? {}) as AsyncGenerator<Page<P>, void, undefined>;
}

/** Every item of a list, page after page (see `pages`). */
export async function* items<P extends ListPath>(
  client: BadgesClient,
  path: P,
  ...[params]: ParamsArgument<P>
): AsyncGenerator<Item<P>, void, undefined> {
  for await (const page of walk(client, path, params?.path ?? {}, params?.query ?? {})) {
    yield* page.items as Item<P>[];
  }
}

async function* walk(
  client: BadgesClient,
  path: string,
  pathParams: object,
  query: QueryParams,
): AsyncGenerator<{ items: unknown[] }, void, undefined> {
  let next: string | null = client.url(fillPath(path, pathParams), query);
  while (next) {
    const response = await client.fetch(new Request(next, { headers: { Accept: "application/json" } }));
    yield (await response.json()) as { items: unknown[] };
    next = linkTarget(response.headers.get("Link"), "next", response.url || next);
  }
}

/** The URL of one relation of an RFC 8288 `Link` header, resolved against `base`; null without it. */
export function linkTarget(header: string | null, rel: string, base: string): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const [, target = "", attributes = ""] = match;
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(attributes);
    const names = (rels?.[1] ?? rels?.[2] ?? "").toLowerCase().split(/\s+/);
    if (names.includes(rel)) return new URL(target, base).toString();
  }
  return null;
}

function fillPath(path: string, values: object): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = (values as Record<string, unknown>)[name];
    if (value === undefined) throw new Error(`Missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}
