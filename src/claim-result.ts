import { randomBytes } from 'node:crypto';
import type { JwtHeader, JwtPayload } from './jwt-types.js';
import { StoreError } from './errors.js';
import type { Claim } from './options.js';
import type { ClaimStore } from './stores/claim-store.js';

// Drawn on the first claim, not at import: Workers refuse random values in global scope.
let claimIdPrefix: string | undefined;
let claimCounter = 0;

/**
 * A new claim id: unique per claim across processes (72 random bits per
 * process, then a counter), so a store can release exactly the claim a
 * request made and never a newer claim of the same token.
 */
export function nextClaimId(): string {
  claimCounter = (claimCounter + 1) % Number.MAX_SAFE_INTEGER;
  claimIdPrefix ??= randomBytes(9).toString('base64url');
  return claimIdPrefix + claimCounter.toString(36);
}

/**
 * What a peek learns about a token that verifies: `unused` (no live claim
 * now), `used` (claimed before), or `unknown` (the store has no
 * `isClaimed` read, e.g. a custom store or `KeyvLockedStore`).
 */
export type TokenState = 'unused' | 'used' | 'unknown';

/** The answer of a peek. Advisory: nothing is reserved, the claim on POST decides. */
export interface TokenPeek {
  state: TokenState;
  /** The verified payload, e.g. to show "Sign in as alice@example.com". */
  payload: JwtPayload;
  /** The replay key the token would be claimed under. */
  key: string;
  /** When its claim would be forgotten. */
  expiresAt: Date;
}

/** A won claim: what `claimToken` resolves with. */
export class ClaimResult implements Claim {
  private released: Promise<void> | undefined;

  constructor(
    readonly payload: JwtPayload,
    readonly header: JwtHeader,
    readonly key: string,
    private readonly expiresAtMs: number,
    private readonly store: ClaimStore,
    /** The id this claim was made with: `release()` removes this claim only. */
    private readonly id: string,
  ) {}

  /** Made when read: most requests never look at it. */
  get expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      try {
        await this.store.release(this.key, this.expiresAtMs, this.id);
      } catch (cause) {
        throw new StoreError('The claim store could not release the claim', { cause });
      }
    })();
    return this.released;
  }
}
