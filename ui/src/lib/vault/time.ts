// Times the vault screens show: a Unix time in seconds, in the user's locale.

/** "7 Dec 2026, 10:42" in the user's locale. */
export function when(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
