export {
  type BadgesClient,
  type BadgesClientOptions,
  type QueryParams,
  type QueryValue,
  type Schemas,
  type components,
  createBadgesClient,
  ok,
  type operations,
  type paths,
} from "./client.js";
export { ApiError, type FieldErrors, isApiError, type Problem } from "./errors.js";
export {
  type KeyValueStorage,
  LocalStorageTokenStorage,
  type LocalStorageTokenOptions,
  MemoryTokenStorage,
  type StoredTokens,
  type TokenStorage,
} from "./tokens.js";
export { currentUser, login, logout, register } from "./auth.js";
export { type Item, items, linkTarget, type ListParams, type ListPath, type Page, pages } from "./paging.js";
export {
  type BadgeJobUpload,
  createBadgeJob,
  type TemplateUpload,
  type Upload,
  uploadFont,
  uploadTemplate,
} from "./uploads.js";
export {
  type BadgeJob,
  isFinished,
  type JobSource,
  type JobStatus,
  type JobUpdate,
  type LogLine,
  newLines,
  pollJob,
  waitForJob,
  watchJob,
  type WatchOptions,
} from "./jobs.js";
export { type BadgeFindings, downloadBadges, downloadProof, fontPreview, type Preview, previewBadge, templatePreview } from "./files.js";
