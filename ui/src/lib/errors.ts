// The one error channel of the UI: any component reports what went wrong here, and the shell
// (App.svelte) shows it. Tests listen to it the same way.

type Listener = (error: unknown) => void;

const listeners = new Set<Listener>();

/** Reports an error (an IPC error from Rust, or a message) to whoever shows errors. */
export function reportError(error: unknown): void {
  for (const listener of listeners) listener(error);
}

/** Calls `listener` with every reported error; returns the unsubscribe. */
export function onError(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
