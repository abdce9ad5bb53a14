// Form helpers shared by every form that Rust checks.
import type { FieldProblem } from "./ipc";

/** The per-field problems of an `invalid_fields` IPC error, or null for any other error. */
export function fieldProblems(e: unknown): Record<string, string> | null {
  if (typeof e !== "object" || e === null || (e as { code?: unknown }).code !== "invalid_fields") return null;
  const fields = (e as { fields?: FieldProblem[] }).fields ?? [];
  return Object.fromEntries(fields.map((f) => [f.field, f.message]));
}
