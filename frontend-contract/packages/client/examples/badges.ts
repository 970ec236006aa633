// examples/badges.ts: a live preview, a job from a CSV file with its progress and log, the PDF.
import {
  type BadgesClient,
  createBadgeJob,
  downloadBadges,
  type LogLine,
  type Preview,
  previewBadge,
  type Schemas,
  waitForJob,
} from "@badges/client";

export function previewFirstBadge(
  client: BadgesClient,
  attendees: Record<string, string>[],
  options: Schemas["BadgeOptions"],
  signal?: AbortSignal,
): Promise<Preview> {
  // Debounce keystrokes and abort the previous preview with its AbortController.
  return previewBadge(client, { attendees, options, row: 0, dpi: 96 }, signal ? { signal } : {});
}

export async function printBadges(
  client: BadgesClient,
  csv: File,
  options: Schemas["BadgeOptions"],
  show: { progress(done: number, total: number): void; log(line: LogLine): void },
): Promise<{ job: Schemas["BadgeJob"]; pdf: Blob | null }> {
  const queued = await createBadgeJob(client, { attendees: csv, options, idempotencyKey: crypto.randomUUID() });
  const job = await waitForJob(client, queued.id, {
    intervalMs: 500,
    onUpdate: ({ progress, lines }) => {
      show.progress(progress.done, progress.total);
      lines.forEach(show.log);
    },
  });
  if (job.status !== "succeeded") return { job, pdf: null }; // job.error says why
  return { job, pdf: await downloadBadges(client, job) }; // a Blob: URL.createObjectURL(pdf)
}
