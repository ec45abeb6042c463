// The addon's surface, typed by hand (native/addon.c).

export interface NativeAddon {
  /** Replaces this process with the launcher at `path`, handing it the encoded plan. Returns only by throwing. */
  execLauncher(path: string, plan: Uint8Array): never;
  version(): number;
}
