/** The tokens of one login: the access token for every request, the refresh token to renew it. */
export interface StoredTokens {
  accessToken: string | null;
  refreshToken: string | null;
}

/**
 * Where the client keeps the tokens. Methods may be synchronous or return promises, so an app can
 * plug in its own session (an ember-simple-auth session store, say).
 */
export interface TokenStorage {
  read(): StoredTokens | Promise<StoredTokens>;
  write(tokens: StoredTokens): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** Both tokens in memory: a page reload loses them. */
export class MemoryTokenStorage implements TokenStorage {
  #tokens: StoredTokens;

  constructor(tokens: Partial<StoredTokens> = {}) {
    this.#tokens = { accessToken: tokens.accessToken ?? null, refreshToken: tokens.refreshToken ?? null };
  }

  read(): StoredTokens {
    return { ...this.#tokens };
  }

  write(tokens: StoredTokens): void {
    this.#tokens = { ...tokens };
  }

  clear(): void {
    this.#tokens = { accessToken: null, refreshToken: null };
  }
}

/** The part of the Web Storage API the client uses (`localStorage`, `sessionStorage`). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalStorageTokenOptions {
  /** The storage key (default `badges.refresh_token`). */
  key?: string;
  /** Default `globalThis.localStorage`; pass `sessionStorage` for a login per tab. */
  storage?: KeyValueStorage;
}

/**
 * The refresh token in `localStorage` (or `sessionStorage`), the access token in memory only, as
 * the guide recommends: after a reload the client gets a new access token from the refresh token
 * before its first authenticated request.
 */
export class LocalStorageTokenStorage implements TokenStorage {
  readonly key: string;
  readonly #storage: KeyValueStorage;
  #accessToken: string | null = null;

  constructor(options: LocalStorageTokenOptions = {}) {
    this.key = options.key ?? "badges.refresh_token";
    const storage = options.storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (!storage) throw new Error("No localStorage here: pass `storage`");
    this.#storage = storage;
  }

  read(): StoredTokens {
    return { accessToken: this.#accessToken, refreshToken: this.#storage.getItem(this.key) };
  }

  write(tokens: StoredTokens): void {
    this.#accessToken = tokens.accessToken;
    if (tokens.refreshToken === null) this.#storage.removeItem(this.key);
    else this.#storage.setItem(this.key, tokens.refreshToken);
  }

  clear(): void {
    this.#accessToken = null;
    this.#storage.removeItem(this.key);
  }
}
