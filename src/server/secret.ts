import { randomBytes } from 'node:crypto';
import type { MembershipStore } from '../store/types.js';

/** Source of the pagination token secret. */
export type SecretSource = 'configured' | 'store' | 'process';

/**
 * Returns the configured secret, else the one kept in the store (created on first use), else a
 * random one for this process only, whose tokens stop working on restart.
 */
export async function resolveSecret(
  configured: Buffer | undefined,
  store: MembershipStore,
): Promise<{ readonly secret: Buffer; readonly source: SecretSource }> {
  if (configured !== undefined) return { secret: configured, source: 'configured' };
  if (store.ensureServerSecret !== undefined) {
    return { secret: await store.ensureServerSecret(() => randomBytes(32)), source: 'store' };
  }
  return { secret: randomBytes(32), source: 'process' };
}
