import { setupSignals } from "@warp-drive/core/configure";

let installed = false;

/**
 * Signals for a store with no UI to re-render (Node: tests, scripts, server-side jobs): every read
 * recomputes, nothing is watched. An Ember app does not call this: it imports
 * `@warp-drive/ember/install` once (app/app.ts), which wires the store to Ember's tracking.
 */
export function useUntrackedSignals(): void {
  if (installed) return;
  installed = true;
  setupSignals(() => ({
    createSignal: () => ({}),
    consumeSignal: () => {},
    notifySignal: () => {},
    createMemo: <F>(_obj: object, _key: string | symbol, fn: () => F) => fn,
    willSyncFlushWatchers: () => false,
  }));
}
