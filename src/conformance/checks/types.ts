import type { Session } from '../session.js';
import type { CheckId, Failure } from '../types.js';

export type CheckOutcome =
  | { readonly status: 'pass'; readonly notes?: readonly string[] }
  | { readonly status: 'fail'; readonly failures: readonly Failure[]; readonly notes?: readonly string[] }
  | { readonly status: 'skip'; readonly reason: string };

export interface CheckDefinition {
  readonly id: CheckId;
  /** One line that states what the server must do. */
  readonly description: string;
  run(session: Session): Promise<CheckOutcome>;
}

/** Passes when `failures` is empty, else fails with them. */
export function outcomeOf(failures: readonly Failure[], notes: readonly string[] = []): CheckOutcome {
  return failures.length === 0 ? { status: 'pass', notes } : { status: 'fail', failures, notes };
}

export function skip(reason: string): CheckOutcome {
  return { status: 'skip', reason };
}
