/**
 * The plugin's API contract: the requests and answers of the admin API (`/deliverability/…`) and
 * the content API (`/api/deliverability/…`). The server's services return these types and the
 * admin panel reads them, so a renamed or retyped field fails the type check on both sides.
 *
 * Types only: the admin bundle imports this file, so it must not import anything that runs (or
 * anything of Strapi's server). Dates are ISO strings.
 */

import type { Channel, UnmatchedOutcome } from './core/events';
import type { ReasonPart } from './core/reasons';
import type { AddressState, MessageStatus } from './core/statuses';
import type { MessageContent } from './core/message-input';

export type { Channel, AddressState, MessageStatus, ReasonPart, UnmatchedOutcome };
export type { MessageInput, MessageContent } from './core/message-input';

// ---------------------------------------------------------------------------------------------
// Shared shapes

export interface Pagination {
  page: number;
  pageSize: number;
  pageCount: number;
  total: number;
}

export interface Page<T> {
  results: T[];
  pagination: Pagination;
}

/** Every admin-API answer is wrapped in `data`. */
export interface Answer<T> {
  data: T;
}

export interface ContactRef {
  type: string;
  documentId: string;
}

export interface ContactSummary extends ContactRef {
  displayName: string;
  externalId: string | null;
  email: string | null;
  mobile: string | null;
}

// ---------------------------------------------------------------------------------------------
// The query strings of the admin API's GETs, by parameter name: what the admin sends (`query<P>()`)
// and what the controllers read (`param<P>()`), so a renamed parameter fails on both sides.

/** GET /contacts/:documentId/summary */
export interface ContactParams {
  /** A site's own contact type (its UID); the plugin's contact when absent. */
  type?: string;
}

/** GET /contacts/:documentId/logs */
export interface ContactLogsParams extends ContactParams {
  channel?: Channel;
  status?: MessageStatus;
  page?: number;
  pageSize?: number;
}

/** GET /events/unmatched */
export interface UnmatchedParams {
  provider?: string;
  channel?: Channel;
  outcome?: UnmatchedOutcome;
  page?: number;
  pageSize?: number;
}

/** GET /suppressions */
export interface SuppressionParams {
  q?: string;
  channel?: Channel;
  state?: AddressState;
  page?: number;
  pageSize?: number;
}

/** GET /reports */
export interface ReportParams {
  from?: string;
  to?: string;
  channel?: Channel;
  /** The reader's IANA time zone. */
  tz?: string;
  /** A fixed offset in minutes, when the reader's browser names no zone. */
  tzOffset?: number;
}

// ---------------------------------------------------------------------------------------------
// Full Logs, the side panel, the badges and unmatched events (server/src/services/logs.ts)

export interface EventView {
  documentId: string;
  kind: string;
  outcome: string;
  channel: string;
  address: string | null;
  provider: string | null;
  providerMessageId: string | null;
  attempt: number | null;
  occurredAt: string | null;
  receivedAt: string | null;
  rawType: string | null;
  rawCode: string | null;
  rawText: string | null;
  severity: string | null;
  /** The plugin's reason in English, as stored: for logs and API readers. */
  reason: string | null;
  /** The same reason as codes and parameters, for the admin to show in the reader's language. Null on rows stored before codes existed. */
  reasonData: ReasonPart[] | null;
}

export interface AuditView {
  documentId: string;
  action: string;
  channel: string | null;
  address: string | null;
  logDocumentId: string | null;
  actorId: string | null;
  actorName: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  createdAt: string | null;
}

export interface LogView {
  documentId: string;
  channel: Channel;
  address: string;
  contactType: string | null;
  contactDocumentId: string | null;
  source: string;
  sourceName: string | null;
  /** The email subject, where the message has one: what an editor recognises a message by. */
  subject: string | null;
  status: MessageStatus;
  statusReason: string | null;
  /** `statusReason` as codes and parameters (see `EventView.reasonData`). */
  statusReasonData: ReasonPart[] | null;
  attempts: number;
  firstAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastEventAt: string | null;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  createdAt: string | null;
  /** The message's category; null: none given. */
  category: string | null;
  /** On a fallback message: the message it stands in for (its documentId). */
  fallbackOf: string | null;
  /** On a message that failed: its fallback message on the other channel. */
  fallbackMessage: string | null;
  /** The address's state now, which may differ from when the message was sent. */
  addressState: AddressState;
  /** Deferred or failed, to an address that is not suppressed: an editor may retry it now. */
  retryable: boolean;
  events: EventView[];
  audit: AuditView[];
}

/** GET /contacts/:documentId/logs */
export interface LogFilters {
  channel?: Channel;
  status?: MessageStatus;
  page: number;
  pageSize: number;
}

export type ContactLogs = Page<LogView> & { contact: ContactSummary };

/** An address's ledger entry as the admin shows it (the side panel's cards, the suppression list). */
export interface LedgerStateView {
  channel: Channel;
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  provider: string | null;
  since: string | null;
  softBounceCount: number;
  reactivatedAt: string | null;
  reactivatedBy: string | null;
}

export interface AddressSummary extends LedgerStateView {
  address: string | null;
  reactivationReason: string | null;
  /** What the last reactivation's push did at each provider (absent: none recorded). */
  providerLifts?: ProviderLift[] | null;
  /** A verification the student has not confirmed yet (absent: none pending). */
  verification?: VerificationView | null;
}

/** GET /contacts/:documentId/summary: the side panel. */
export interface ContactDeliverability {
  contact: ContactSummary;
  addresses: AddressSummary[];
  lastMessages: LogView[];
  /** Messages to this contact, by channel and status. */
  counts: Record<Channel, Partial<Record<MessageStatus, number>> & { total: number }>;
  /** Changes of a failed (or suppressed) address, newest first: `before`/`after` hold `{ address, state }`. */
  addressChanges?: AuditView[];
}

/** POST /addresses/lookup */
export interface AddressLookupRequest {
  addresses: { channel: Channel; address: string }[];
}

export interface AddressStatus {
  channel: Channel;
  /** As asked, so the caller can match its own rows. */
  address: string;
  normalized: string | null;
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  since: string | null;
}

/** GET /events/unmatched */
export interface UnmatchedQuery {
  provider?: string;
  channel?: Channel;
  outcome?: UnmatchedOutcome;
  page: number;
  pageSize: number;
}

// ---------------------------------------------------------------------------------------------
// The suppression list and reactivation (server/src/services/suppressions.ts, reactivation.ts)

export interface SuppressionView extends LedgerStateView {
  documentId: string;
  address: string;
  /** The message whose event decided the state, where there was one. */
  message: {
    documentId: string;
    source: string;
    sourceName: string | null;
    status: string;
    createdAt: string | null;
    contact: { type: string; documentId: string; displayName: string } | null;
  } | null;
}

/** GET /suppressions */
export interface SuppressionQuery {
  /** Part of an address, any case. */
  q?: string;
  channel?: Channel;
  state?: AddressState;
  page: number;
  pageSize: number;
}

export type SuppressionList = Page<SuppressionView> & { counts: Record<AddressState, number> };

/** What lifting a reactivated address did at one provider (the push; server/src/services/suppression-push.ts). */
export interface ProviderLift {
  /** `sms`: an SMS opt-out, which no API can lift. */
  provider: 'sendgrid' | 'mailgun' | 'postmark' | 'ses' | 'sms';
  result: 'lifted' | 'not_listed' | 'failed';
  /** Each list of the provider, and what happened there. */
  lists: { list: string; result: 'lifted' | 'not_listed' | 'failed'; detail?: string }[];
  detail: string | null;
}

/** An address waiting for its student to confirm it (`reactivation.requireVerification`; services/verification.ts). */
export interface VerificationView {
  documentId: string;
  channel: Channel;
  address: string;
  purpose: 'reactivation' | 'address-change';
  /** A signed link by email, a six-digit code by SMS. */
  method: 'link' | 'code';
  status: 'pending' | 'confirmed' | 'superseded';
  /** Past this, the link or code no longer works: an editor asks again. */
  expiresAt: string;
  expired: boolean;
  /** A code refused after `maxCodeAttempts` wrong tries: void even before it expires; an editor sends it again. */
  locked: boolean;
  requestedBy: string | null;
  reason: string | null;
  /** The verification message's log, in Full Logs. */
  logDocumentId: string | null;
}

/** POST /addresses/reactivate's answer when the address waits for the student's confirmation. */
export interface PendingReactivation {
  verification: VerificationView;
  /** Lifted at the providers before the verification was sent, so that it can arrive. */
  providerLifts: ProviderLift[];
}

/** POST /api/deliverability/verifications/confirm's answer: the address is active (again, for a repeated confirm). */
export interface VerificationConfirmed {
  confirmed: true;
  alreadyConfirmed: boolean;
}

/** POST /addresses/reactivate */
export interface ReactivateRequest {
  channel: Channel;
  address: string;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Reports (server/src/services/reports.ts)

export type StatusCounts = Record<MessageStatus, number>;

export interface Totals extends StatusCounts {
  /** Every message created in the period. */
  total: number;
  /** Handed to a provider at least once: everything except queued and dropped. */
  attempted: number;
}

export interface Rates {
  /** bounced ÷ attempted */
  bounceRate: number | null;
  /** failed ÷ attempted (SMS failures, retries exhausted) */
  failureRate: number | null;
  /** (delivered + complained) ÷ attempted: a complaint proves the message arrived. */
  deliveryRate: number | null;
  /** complained ÷ attempted */
  complaintRate: number | null;
  /** dropped ÷ total: sends refused because the address is suppressed */
  dropRate: number | null;
}

export type ReportTotals = Totals & Rates;

export interface ReportDay {
  day: string;
  channels: Record<Channel, StatusCounts>;
}

/** GET /reports */
export interface ReportQuery {
  /** First day shown, YYYY-MM-DD, in the reader's calendar. */
  from: string;
  /** Last day shown, inclusive. */
  to: string;
  /** The reader's IANA time zone (`Europe/London`): days follow its daylight-saving changes. */
  timeZone?: string;
  /** A fixed offset instead (minutes to add to UTC), for callers that send one. Ignored when `timeZone` is given. */
  tzOffsetMinutes?: number;
  channel?: Channel | null;
}

export interface Report {
  from: string;
  to: string;
  /** The zone the days are in: an IANA name (`Europe/London`), `UTC`, or a fixed offset such as `+01:00`. */
  timeZone: string;
  /** The zone's offset at the start of the period (kept for readers of the old answer). */
  tzOffsetMinutes: number;
  channel: Channel | null;
  days: ReportDay[];
  totals: ReportTotals;
  byChannel: Record<Channel, ReportTotals>;
}

/** GET /consent?channel&address: one row of a number's consent history. */
export interface ConsentEntryView {
  documentId: string;
  channel: Channel;
  address: string;
  /** `opt_out` (STOP…), `opt_in` (START…), `help`. */
  action: 'opt_out' | 'opt_in' | 'help';
  /** How: `sms_keyword` (the student texted it), `provider_report` (the provider said the number had opted out with it: Twilio 21610). */
  via: string;
  /** Who: `student`, or an editor's name. */
  actor: string | null;
  /** The words the student sent, as sent. */
  words: string | null;
  provider: string | null;
  occurredAt: string;
}

export interface ConsentParams {
  channel: Channel;
  address: string;
}

/** POST /events/:documentId/reclassify { kind, reason } */
export interface ReclassifyBody {
  kind: 'hard_bounce' | 'soft_bounce' | 'sender_block' | 'failed';
  reason: string;
}

export interface ReclassifiedAddress {
  state: AddressState;
  reason: string | null;
  softBounceCount: number;
  exhaustedStreak: number;
}

export interface ReclassifyResult {
  documentId: string;
  channel: Channel;
  address: string;
  before: { kind: string; address: ReclassifiedAddress };
  after: { kind: string; address: ReclassifiedAddress };
  auditDocumentId: string;
}

/** GET /reports/sender-blocks: refusals of the sender over a period, one row per mailbox provider. */
export interface SenderBlockRow {
  /** `Microsoft`, `Google`, … for the big consumer providers; otherwise the recipients' domain. */
  mailboxProvider: string;
  /** Block events in the period. */
  events: number;
  /** Distinct addresses they concerned (none of which was marked failed for it). */
  addresses: number;
  /** The domains seen, at most ten. */
  domains: string[];
  firstAt: string;
  lastAt: string;
  /** The latest event's code and text, to tell a reputation block from an authentication one at a glance. */
  lastCode: string | null;
  lastText: string | null;
}

/** GET /reports/reach?from&to&tz&category: whether a category's messages reached the student on either channel. */
export interface ReachReport {
  from: string;
  to: string;
  timeZone: string;
  /** The category counted (critical unless the query names another). */
  category: string;
  /** Messages of the category created in the period (their fallbacks are not counted again). */
  total: number;
  /** Delivered on the channel they were sent on. */
  reachedFirst: number;
  /** Not delivered on their own channel, delivered by their fallback on the other one. */
  reachedByFallback: number;
  /** Failed on their channel, and their fallback failed too or could not be sent. */
  notReached: number;
  /** Still in flight (or handed over, with no report yet), on either channel. */
  awaiting: number;
}

export interface ReachParams {
  from?: string;
  to?: string;
  tz?: string;
  tzOffset?: number;
  category?: string;
}

export interface SenderBlockReport {
  from: string;
  to: string;
  timeZone: string;
  rows: SenderBlockRow[];
  total: number;
}

/** GET /reports/unsubscribes: addresses unsubscribed in a period, and how. */
export interface UnsubscribeReport {
  from: string;
  to: string;
  timeZone: string;
  /** Unsubscribe events that changed their address (a second click, or a second report, is not counted again). */
  total: number;
  /** Through the one-click List-Unsubscribe link of a bulk email. */
  oneClick: number;
  /** Reported by a provider (its own unsubscribe link or list). */
  reportedByProviders: number;
  /** The one-click ones by the bulk send whose message carried the link, most first. */
  byBulkSend: { bulkSendId: string; oneClick: number }[];
}

// ---------------------------------------------------------------------------------------------
// Providers (server/src/services/provider-health.ts)

export interface RefusalCount {
  count: number;
  lastAt: string | null;
  lastStatus: number | null;
}

export interface ProviderHealth {
  /** A webhook provider's name (`WEBHOOK_PROVIDER_NAMES`). */
  name: string;
  channel: Channel;
  /** Its secret (or, for SES, its topic allow-list) is set: signed reports are accepted. */
  configured: boolean;
  /** `allowUnsigned`: reports are accepted without checking who sent them (testing only). */
  acceptsUnsigned: boolean;
  /** The environment variable(s) that hold its secret, for the "how to fix" hint. */
  secretVariable: string;
  webhookUrl: string;
  /** When the plugin stored its last event (arrival time), whatever the event was. */
  lastEventAt: string | null;
  refused: RefusalCount;
}

/** GET /providers */
export interface ProvidersReport {
  /** Whether `publicUrl` is set; without it the URLs below are a guess from the server's own address. */
  publicUrlConfigured: boolean;
  baseUrl: string;
  /** Refusals are counted since this moment (the first one recorded, or null for none yet). */
  refusalsSince: string | null;
  sending: { email: string | null; sms: string | null };
  providers: ProviderHealth[];
}

// ---------------------------------------------------------------------------------------------
// The content API's messages (server/src/services/messages.ts)

/** POST /api/deliverability/messages answers with this; GET /api/deliverability/messages/:id too. */
export interface MessageView {
  id: string;
  status: MessageStatus;
  channel: string;
  address: string;
  contact: { type: string; documentId: string } | null;
  source: string;
  sourceName: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  reason: string | null;
  idempotencyKey: string | null;
  createdAt: string | null;
  /** The message's category (critical, transactional, marketing, or the site's own); null: none given. */
  category: string | null;
  /** On a fallback message: the message (its id) that failed on the other channel. */
  fallbackOf: string | null;
  /** On a message that failed: its fallback message on the other channel, if one was sent. */
  fallbackMessage: string | null;
}

// ---------------------------------------------------------------------------------------------
// Bulk sends (Grabs)

export type BulkSendStatus = 'queued' | 'running' | 'paused' | 'cancelled' | 'done';

/** What tripped a bulk send's breaker: the rate seen over the sample, against its threshold. */
export interface BreakerTripView {
  metric: 'hardBounceRate' | 'complaintRate' | 'smsFailureRate';
  rate: number;
  threshold: number;
  sample: number;
  count: number;
}

export type BulkPauseView = { by: 'breaker'; at: string; trip: BreakerTripView } | { by: 'editor'; at: string; actor: string };

/** What the audit trail keeps of a breaker's pause (action `bulk-breaker-pause`, in `after`). */
export interface BreakerPauseEntry {
  bulkSendId: string;
  trip: BreakerTripView;
}

/** One pause of a bulk send by its breaker, in the reports. A send tripped twice has two rows. */
export interface BreakerPauseRow {
  bulkSendId: string;
  /** Null if the send is gone. */
  sourceName: string | null;
  channel: Channel | null;
  /** The send's status now (it may have been resumed or cancelled since). */
  status: BulkSendStatus | null;
  pausedAt: string;
  trip: BreakerTripView;
}

/** GET /reports/breaker-pauses?from&to&tz: bulk sends paused by their breaker in the period, newest first. */
export interface BreakerPauseReport {
  from: string;
  to: string;
  timeZone: string;
  /** All pauses in the period; `rows` holds at most the newest `MAX_BREAKER_PAUSES` of them. */
  total: number;
  rows: BreakerPauseRow[];
}

/** A configured message category and what it implies (core/categories.ts), for the compose page. */
export interface CategoryView {
  name: string;
  /** Its bulk email carries one-click unsubscribe (RFC 8058). */
  oneClickUnsubscribe: boolean;
  /** It still reaches addresses that unsubscribed. */
  sendToUnsubscribed: boolean;
  /** A failed message is sent again on the other channel. */
  fallback: boolean;
}

/** GET /categories: the configured categories, and the one a bulk send takes when it names none. */
export interface CategoryList {
  categories: CategoryView[];
  bulkDefault: string;
}

export interface BulkSendView {
  id: string;
  sourceName: string;
  channel: Channel;
  status: BulkSendStatus;
  contactType: string | null;
  /** The send's category (marketing unless it said otherwise); null on sends made before categories. */
  category: string | null;
  /** Messages queued when the send was created. */
  total: number;
  /** Contacts left out because they had no usable address. */
  withoutAddress: number;
  /** Messages removed from the queue by a cancel, never handed over. */
  cancelledCount: number;
  /** Its messages by status now (`queued` is what is still to send). */
  counts: StatusCounts;
  /** Messages handed over in the last minute. */
  perMinute: number;
  pause: BulkPauseView | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The start of a bulk send's recipient list, before it is queued. */
export interface BulkPreview {
  /** `content` is the message as this recipient will get it, merge fields filled in. */
  recipients: { documentId: string; displayName: string; address: string; suppressed: boolean; content: MessageContent }[];
  /** Recipients with a usable address. */
  total: number;
  /** Of those, how many will be dropped because their address is suppressed. */
  suppressed: number;
  withoutAddress: number;
}

/** A bulk send's messages by mailbox provider: one row per provider, and one per domain for the others. */
export interface MailboxProviderRow {
  provider: 'campus' | 'gmail' | 'microsoft' | 'yahoo' | 'other';
  /** The domain, for `other` (with `viaMx`, the MX host receiving for custom domains); null for the named providers. */
  domain: string | null;
  /** The row is an MX host: the custom domains whose mail it receives. */
  viaMx: boolean;
  counts: StatusCounts;
}

/** One mailbox provider's email over a report's period, with its rates (`other` rows name their domain). */
export interface MailboxProviderTotalsRow {
  provider: MailboxProviderRow['provider'];
  /** The domain, for `other`; null for the named providers and for the smallest other domains taken together. */
  domain: string | null;
  /** `domain` is an MX host: the custom domains whose mail it receives. */
  viaMx: boolean;
  totals: ReportTotals;
}

/** GET /reports/mailbox-providers?from&to&tz: email by the recipients' mailbox provider. */
export interface MailboxProviderReport {
  from: string;
  to: string;
  timeZone: string;
  /** The campus's own domains (`bulk.campusDomains`), so the page can say which domains "campus" means. */
  campusDomains: string[];
  rows: MailboxProviderTotalsRow[];
}

// ---------------------------------------------------------------------------------------------
// Provider suppression lists (GET /suppression-sync, POST /suppression-sync/:provider)

/** One provider's pull of its suppression lists, for the Providers page. */
export interface SyncStateView {
  provider: 'sendgrid' | 'mailgun' | 'postmark' | 'ses';
  /** Its API credentials are set, so its lists can be read. */
  configured: boolean;
  /** The lists a pull reads, in order. */
  lists: string[];
  status: 'idle' | 'running' | 'done' | 'failed';
  /** An instance holds the pull right now. */
  running: boolean;
  /** The list a running or interrupted pull is on. */
  currentList: string | null;
  pagesRead: number;
  entriesRead: number;
  /** Entries seen for the first time in this run (the rest were pulled before). */
  entriesNew: number;
  runStartedAt: string | null;
  runFinishedAt: string | null;
  /** Why the last run stopped; it resumes from where it stopped at the next run. */
  lastError: string | null;
}

/** One provider listing of an address the plugin treats as usable: the provider would drop what the plugin sends. */
export interface DriftAddressView {
  provider: string;
  list: string;
  address: string;
  /** What the listing means: hard_bounce, complaint, unsubscribe. */
  kind: string;
  listedAt: string | null;
  /** The address's state here (active or soft-bouncing). */
  state: AddressState;
}

/** GET /suppression-sync/drift?provider&page&pageSize */
export type DriftReport = Page<DriftAddressView> & {
  /** Per provider, how many addresses differ (providers with none are absent). */
  counts: Record<string, number>;
};

export interface DriftParams {
  provider?: string;
  page?: string;
  pageSize?: string;
}

/** POST /suppression-sync/drift/:provider/lift: the provider's drifted addresses lifted there (a batch at a time). */
export interface ReconcileResult {
  provider: string;
  lifted: number;
  failed: { address: string; detail: string | null }[];
  /** Drifted addresses left at this provider after this batch. */
  remaining: number;
}

/** POST /suppressions/import: what a CSV import did (on a 400, `data` holds it with the refused rows). */
export interface ImportReport {
  rows: number;
  /** Rows stored for the first time (each decided like a provider's report). */
  applied: number;
  /** Rows imported before (the same address, state and date). */
  alreadyImported: number;
  /** Each refused row's line (1 is the header) and why; when any is refused, nothing is applied. */
  refused: { line: number; reason: string }[];
}

// ---------------------------------------------------------------------------------------------
// The advisors' worklist (GET /worklist?state&page&pageSize)

/** A student with a failed address and no working alternative. */
export interface WorklistItem {
  contact: ContactSummary;
  /** Each of the student's addresses, with its state and why. */
  addresses: { channel: Channel; address: string; state: AddressState; reason: string | null; since: string | null }[];
  /** When the newest of its suppressions happened. */
  since: string | null;
}

export interface WorklistParams {
  state?: AddressState;
  page?: number;
  pageSize?: number;
}

export type WorklistPage = Page<WorklistItem> & {
  /** Contact types without status mirror fields, which the worklist cannot read. */
  unlistedTypes: string[];
};

/** POST /contacts/:documentId/erase?type: what erasing a student deleted. */
export interface ErasureResult {
  messages: number;
  events: number;
  auditEntries: number;
  /** Suppressed addresses kept only as salted hashes, so they are still never used. */
  suppressedAddressesKeptAsHashes: number;
  /** The contact itself (only the plugin's own Contact type; a host type's record is the host's to delete). */
  contactDeleted: boolean;
}
