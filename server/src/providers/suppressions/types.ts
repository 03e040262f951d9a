import type { SyncProviderName } from '../../config/sync';

/**
 * The contract between the suppression sync and each provider's list client
 * (`providers/<name>/suppressions.ts`). A client reads its provider's lists page by page and lifts
 * an address from them; nothing outside the provider's folder knows its paths or field names.
 */

/** What a listed address means, in the plugin's event kinds. */
export type ListedKind = 'hard_bounce' | 'complaint' | 'unsubscribe' | 'failed';

export interface ListedSuppression {
  /** As the provider lists it (normalized by the intake). */
  address: string;
  kind: ListedKind;
  /** The provider list it came from, e.g. `bounces` or `outbound` (a Postmark stream). */
  list: string;
  /** When the provider listed it (epoch ms); `null` when it does not say. */
  listedAt: number | null;
  /** The provider's reason, as given. */
  reason: string | null;
  /** The provider's code (an SMTP status, a reason name), as given. */
  code: string | null;
}

export interface ListPage {
  records: ListedSuppression[];
  /** Where the next page of this list starts; `null` when this was its last page. */
  next: string | null;
}

/** What lifting an address did at one provider list. */
export interface LiftOutcome {
  list: string;
  result: 'lifted' | 'not_listed' | 'failed';
  /** Why it failed (never a credential). */
  detail?: string;
}

export interface SuppressionListClient {
  provider: SyncProviderName;
  /** The provider's lists, in the order a sync reads them. */
  lists: readonly string[];
  /** One page of `list`, from `cursor` (`null`: the first page). */
  fetchPage(list: string, cursor: string | null): Promise<ListPage>;
  /** Removes the address from every list of this provider that holds it. */
  lift(address: string): Promise<LiftOutcome[]>;
}
