import { type BadgesClient, ok, type Schemas } from "./client.js";

export type BadgeJob = Schemas["BadgeJob"];
export type LogLine = Schemas["BadgeJobLogLine"];
export type JobStatus = BadgeJob["status"];

/** One step of a job: its latest state, and the log lines that appeared since the last update. */
export interface JobUpdate {
  job: BadgeJob;
  progress: BadgeJob["progress"];
  /** New lines only, oldest first, by `seq`. */
  lines: LogLine[];
}

/**
 * Where job updates come from. `pollJob` asks the API every `intervalMs`; a source reading a
 * server-sent event stream can be plugged in the same way later. A source ends its iteration once
 * the job has finished, after yielding the final state and every remaining line.
 */
export type JobSource = (client: BadgesClient, jobId: string, options: WatchOptions) => AsyncIterable<JobUpdate>;

export interface WatchOptions {
  /** Milliseconds between polls (default 1000). */
  intervalMs?: number;
  /** Stops watching (the job goes on; cancel it with `DELETE /badge-jobs/{job_id}`). */
  signal?: AbortSignal;
  /** The last `seq` already seen (default 0: every line). */
  after?: number;
}

const FINISHED: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

export function isFinished(job: BadgeJob): boolean {
  return FINISHED.has(job.status);
}

/** Updates of a job until it finishes, from `source` (default: `pollJob`). */
export function watchJob(
  client: BadgesClient,
  jobId: string,
  options: WatchOptions & { source?: JobSource } = {},
): AsyncIterable<JobUpdate> {
  const { source = pollJob, ...rest } = options;
  return source(client, jobId, rest);
}

/** Watches a job to its end and answers its final state (`succeeded`, `failed` or `cancelled`). */
export async function waitForJob(
  client: BadgesClient,
  jobId: string,
  options: WatchOptions & { source?: JobSource; onUpdate?: (update: JobUpdate) => void } = {},
): Promise<BadgeJob> {
  let last: BadgeJob | null = null;
  for await (const update of watchJob(client, jobId, options)) {
    options.onUpdate?.(update);
    last = update.job;
  }
  if (!last) throw new Error(`No update for job ${jobId}`);
  return last;
}

/**
 * The polling source: `GET /badge-jobs/{job_id}`, then `GET .../logs?after=<last seq>` (all the
 * pages of new lines), every `intervalMs`. Reading the job before its log means the lines read
 * after a finished state are the last ones.
 */
export async function* pollJob(client: BadgesClient, jobId: string, options: WatchOptions = {}): AsyncGenerator<JobUpdate> {
  const interval = options.intervalMs ?? 1000;
  let after = options.after ?? 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const job = await ok(client.api.GET("/badge-jobs/{job_id}", { params: { path: { job_id: jobId } }, signal: options.signal }));
    const lines = await newLines(client, jobId, after, options.signal);
    after = lines.at(-1)?.seq ?? after;
    yield { job, progress: job.progress, lines };
    if (isFinished(job)) return;
    await sleep(interval, options.signal);
  }
}

/** Every log line after `after`, reading pages of 500 until a short one. */
export async function newLines(client: BadgesClient, jobId: string, after = 0, signal?: AbortSignal): Promise<LogLine[]> {
  const limit = 500;
  const lines: LogLine[] = [];
  for (;;) {
    const { items } = await ok(
      client.api.GET("/badge-jobs/{job_id}/logs", {
        params: { path: { job_id: jobId }, query: { after, limit } },
        ...(signal ? { signal } : {}),
      }),
    );
    lines.push(...items);
    after = items.at(-1)?.seq ?? after;
    if (items.length < limit) return lines;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
