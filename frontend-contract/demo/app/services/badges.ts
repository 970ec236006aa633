// Templates, fonts, previews and badge jobs: the badge screens' access to the API.
import Service from '@ember/service';
import { service } from '@ember/service';
import {
  createBadgeJob,
  downloadBadges,
  downloadProof,
  isFinished,
  items,
  type LogLine,
  ok,
  type Preview,
  previewBadge,
  type Schemas,
  watchJob,
} from '@badges/client';
import type SessionService from 'badges-demo/services/session';

export type BadgeJob = Schemas['BadgeJob'];
export type BadgeOptions = Schemas['BadgeOptions'];
export type BadgeTemplate = Schemas['BadgeTemplate'];
export type Font = Schemas['Font'];
export type Report = Schemas['BadgeJobReport'];
export type { LogLine, Preview };

export const SHEETS = [
  'one-per-page',
  'a4-2x2',
  'a4-2x4',
  'a4-3x3',
  'letter-2x3',
  'letter-2x4',
  'a3-3x3',
  'auto-a4',
  'auto-letter',
  'auto-a3',
] as const;

export interface JobWatcher {
  stop(): void;
}

export interface JobHandlers {
  line(line: LogLine): void;
  progress(status: BadgeJob['status'], done: number, total: number): void;
  /** The job's final state, read again after the end (for its result and links). */
  end(job: BadgeJob): void;
  /** 'stream' (EventSource on log_stream_url) or 'polling' (the fallback). */
  transport(kind: 'stream' | 'polling'): void;
  failed(error: unknown): void;
}

export default class BadgesService extends Service {
  @service declare session: SessionService;

  get #client() {
    return this.session.client;
  }

  async templates(): Promise<BadgeTemplate[]> {
    const all: BadgeTemplate[] = [];
    for await (const template of items(this.#client, '/badge-templates', {
      query: { per_page: 100 },
    }))
      all.push(template);
    return all;
  }

  async fonts(): Promise<Font[]> {
    const all: Font[] = [];
    for await (const font of items(this.#client, '/fonts', {
      query: { per_page: 100 },
    }))
      all.push(font);
    return all;
  }

  preview(
    attendee: Record<string, string>,
    options: BadgeOptions,
    signal: AbortSignal,
  ): Promise<Preview> {
    return previewBadge(
      this.#client,
      { attendees: [attendee], options, row: 0, dpi: 96 },
      { signal },
    );
  }

  submit(csv: File, options: BadgeOptions): Promise<BadgeJob> {
    return createBadgeJob(this.#client, {
      attendees: csv,
      options,
      idempotencyKey: crypto.randomUUID(),
    });
  }

  job(jobId: string): Promise<BadgeJob> {
    return ok(
      this.#client.api.GET('/badge-jobs/{job_id}', {
        params: { path: { job_id: jobId } },
      }),
    );
  }

  /** DELETE /badge-jobs/{job_id}: a queued or running job stops (its log ends with an ERROR line). */
  async cancel(jobId: string): Promise<void> {
    await ok(
      this.#client.api.DELETE('/badge-jobs/{job_id}', {
        params: { path: { job_id: jobId } },
      }),
    );
  }

  report(jobId: string): Promise<Report> {
    return ok(
      this.#client.api.GET('/badge-jobs/{job_id}/report', {
        params: {
          path: { job_id: jobId },
          query: { level: ['warning', 'error'], per_page: 100 },
        },
      }),
    );
  }

  download(job: BadgeJob): Promise<Blob> {
    return downloadBadges(this.#client, job);
  }

  proof(jobId: string): Promise<Blob> {
    return downloadProof(this.#client, jobId);
  }

  /**
   * The live build log: an EventSource on the job's signed `log_stream_url` (no Authorization
   * header needed), and polling (`GET .../logs?after=`) from the last line seen when the stream
   * cannot be opened or breaks, or when `polling` is asked for.
   */
  watch(
    job: BadgeJob,
    handlers: JobHandlers,
    { polling = false } = {},
  ): JobWatcher {
    const abort = new AbortController();
    let after = 0;
    let source: EventSource | null = null;
    const seen = (line: LogLine) => {
      if (line.seq <= after) return;
      after = line.seq;
      handlers.line(line);
    };
    const finish = async () => {
      try {
        handlers.end(await this.job(job.id));
      } catch (error) {
        if (!abort.signal.aborted) handlers.failed(error);
      }
    };
    const poll = async () => {
      handlers.transport('polling');
      try {
        for await (const update of watchJob(this.#client, job.id, {
          after,
          intervalMs: 700,
          signal: abort.signal,
        })) {
          update.lines.forEach(seen);
          const { status } = update.job;
          handlers.progress(
            status,
            update.progress.done,
            update.progress.total,
          );
          if (isFinished(update.job)) handlers.end(update.job);
        }
      } catch (error) {
        if (!abort.signal.aborted) handlers.failed(error);
      }
    };
    if (polling || typeof EventSource === 'undefined') {
      void poll();
    } else {
      handlers.transport('stream');
      source = new EventSource(job.log_stream_url);
      source.addEventListener('log', (event) => {
        seen(JSON.parse((event as MessageEvent<string>).data) as LogLine);
      });
      source.addEventListener('progress', (event) => {
        const data = JSON.parse((event as MessageEvent<string>).data) as {
          status: BadgeJob['status'];
          done: number;
          total: number;
        };
        handlers.progress(data.status, data.done, data.total);
      });
      source.addEventListener('end', () => {
        source?.close();
        source = null;
        void finish();
      });
      source.onerror = () => {
        // Closed before `end`: an expired link, a proxy that cuts streams. Poll from here.
        source?.close();
        source = null;
        if (!abort.signal.aborted) void poll();
      };
    }
    return {
      stop() {
        abort.abort();
        source?.close();
      },
    };
  }
}

declare module '@ember/service' {
  interface Registry {
    badges: BadgesService;
  }
}
