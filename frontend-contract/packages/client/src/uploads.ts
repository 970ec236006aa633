import type { BadgesClient, Schemas } from "./client.js";

/** A file to upload: a `File` (from an `<input type="file">`) or a Blob with a file name. */
export type Upload = File | { blob: Blob; filename: string };

export interface TemplateUpload {
  /** The SVG, at most 2 MiB. */
  file: Upload;
  /** The badge's back side (`sides: "both"`): an SVG of the same size, checked as `file` is. */
  back?: Upload;
  /** Default: the file name without its extension. */
  name?: string;
}

/** `POST /badge-templates` (multipart `file`, `back`, `name`): 201 and the template, with `warnings`. */
export async function uploadTemplate(client: BadgesClient, upload: TemplateUpload): Promise<Schemas["BadgeTemplate"]> {
  const form = new FormData();
  appendFile(form, "file", upload.file);
  if (upload.back !== undefined) appendFile(form, "back", upload.back);
  if (upload.name !== undefined) form.append("name", upload.name);
  return postForm<Schemas["BadgeTemplate"]>(client, "/badge-templates", form);
}

/**
 * `POST /fonts` (multipart `file`): TrueType, OpenType, WOFF or WOFF2. The same file uploaded
 * again answers 200 with the font stored the first time, so both answers give a Font.
 */
export async function uploadFont(client: BadgesClient, file: Upload): Promise<Schemas["Font"]> {
  const form = new FormData();
  appendFile(form, "file", file);
  return postForm<Schemas["Font"]>(client, "/fonts", form);
}

export interface BadgeJobUpload {
  /** The attendee list: a CSV (or XLSX) file, or CSV text. */
  attendees: Upload | string;
  options?: Schemas["BadgeOptions"];
  /** A PNG or JPEG background image; `options.background.fit` says how it fills the badge. */
  background?: Upload;
  /**
   * A ZIP of JPEG/PNG photos, matched to attendees by `options.photo_column` (default: a `photo`
   * column) and placed in the template's `data-photo` box.
   */
  photos?: Upload;
  /**
   * Keep one key while retrying the same submission (the server answers with the same job), and
   * make a new one (`crypto.randomUUID()`) for each job the user means to start.
   */
  idempotencyKey?: string;
}

/** `POST /badge-jobs` as multipart (`attendees`, `options` as a JSON text field, `background`, `photos`): 202. */
export async function createBadgeJob(client: BadgesClient, upload: BadgeJobUpload): Promise<Schemas["BadgeJob"]> {
  const form = new FormData();
  const attendees =
    typeof upload.attendees === "string"
      ? { blob: new Blob([upload.attendees], { type: "text/csv" }), filename: "attendees.csv" }
      : upload.attendees;
  appendFile(form, "attendees", attendees);
  if (upload.options !== undefined) form.append("options", JSON.stringify(upload.options));
  if (upload.background !== undefined) appendFile(form, "background", upload.background);
  if (upload.photos !== undefined) appendFile(form, "photos", upload.photos);
  const headers: Record<string, string> = upload.idempotencyKey ? { "Idempotency-Key": upload.idempotencyKey } : {};
  return postForm<Schemas["BadgeJob"]>(client, "/badge-jobs", form, headers);
}

function appendFile(form: FormData, part: string, upload: Upload): void {
  if ("blob" in upload) form.append(part, upload.blob, upload.filename);
  else form.append(part, upload, upload.name);
}

async function postForm<T>(client: BadgesClient, path: string, form: FormData, headers: Record<string, string> = {}): Promise<T> {
  // No Content-Type: fetch writes multipart/form-data with its boundary.
  const response = await client.fetch(new Request(client.url(path), { method: "POST", body: form, headers }));
  return (await response.json()) as T;
}
