import { type BadgesClient, ok, type Schemas } from "./client.js";

/**
 * The badges' PDF of a succeeded job, as a Blob: `GET /downloads/{token}` with the job's
 * `result.download_token` (a signed link, no token needed). Read the job again for a fresh link.
 */
export async function downloadBadges(client: BadgesClient, job: Schemas["BadgeJob"]): Promise<Blob> {
  const token = job.result?.download_token;
  if (!token) throw new Error(`Job ${job.id} has no file to download (status ${job.status})`);
  return getBlob(client, client.url(`/downloads/${encodeURIComponent(token)}`));
}

/** `GET /badge-jobs/{job_id}/proof.pdf`: only the badges that need a look (404 when none do). */
export function downloadProof(client: BadgesClient, jobId: string): Promise<Blob> {
  return getBlob(client, client.url(`/badge-jobs/${encodeURIComponent(jobId)}/proof.pdf`));
}

/** What the `Badge-Findings` header says about a previewed badge (the header is a JSON string in
 * openapi.yaml; this is the shape its description gives). */
export interface BadgeFindings {
  /** The attendee's number, as in a job's report. */
  row: number;
  /** A finding of level warning or error: the badge deserves a look. */
  flagged: boolean;
  findings: Schemas["Finding"][];
  /** Set when findings were left out to keep the header under 2,048 characters. */
  truncated?: boolean;
}

export interface Preview {
  /** `image/png`, or `application/pdf` when the request said `format: "pdf"`. */
  blob: Blob;
  /** The badge's findings from the `Badge-Findings` header, or null without it. */
  findings: BadgeFindings | null;
}

/** `POST /badge-previews`: one badge, rendered now (about 10 ms on the server). */
export async function previewBadge(
  client: BadgesClient,
  request: Schemas["BadgePreviewRequest"],
  init: { signal?: AbortSignal } = {},
): Promise<Preview> {
  const { data, response } = await client.api.POST("/badge-previews", { body: request, parseAs: "blob", ...init });
  const header = response.headers.get("Badge-Findings");
  return { blob: data as Blob, findings: header ? (JSON.parse(header) as BadgeFindings) : null };
}

/** `GET /badge-templates/{template_id}/preview`: the template with sample values, PNG. */
export function templatePreview(client: BadgesClient, templateId: string): Promise<Blob> {
  return ok(
    client.api.GET("/badge-templates/{template_id}/preview", {
      params: { path: { template_id: templateId } },
      parseAs: "blob",
    }),
  );
}

/** `GET /fonts/{font_id}/preview`: some text in the font, PNG. */
export function fontPreview(
  client: BadgesClient,
  fontId: string,
  options: { text?: string; size?: number } = {},
): Promise<Blob> {
  const params = { path: { font_id: fontId }, query: options };
  return ok(client.api.GET("/fonts/{font_id}/preview", { params, parseAs: "blob" }));
}

async function getBlob(client: BadgesClient, url: string): Promise<Blob> {
  const response = await client.fetch(new Request(url));
  return response.blob();
}
