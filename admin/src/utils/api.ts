import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';
import { PLUGIN_ID } from '../pluginId';
import type { AddressState, Channel, MessageStatus } from './status';

/**
 * The admin API's answers, as the server's admin controllers shape them (server/src/services).
 * Dates are ISO strings.
 */

export interface Pagination {
  page: number;
  pageSize: number;
  pageCount: number;
  total: number;
}

export interface Paged<T> {
  results: T[];
  pagination: Pagination;
}

export interface DeliveryEvent {
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
  reason: string | null;
}

export interface AuditEntry {
  documentId: string;
  action: string;
  actorName: string | null;
  reason: string | null;
  createdAt: string | null;
}

export interface DeliveryLog {
  documentId: string;
  channel: Channel;
  address: string;
  source: string;
  sourceName: string | null;
  subject: string | null;
  status: MessageStatus;
  statusReason: string | null;
  attempts: number;
  firstAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastEventAt: string | null;
  provider: string | null;
  providerMessageId: string | null;
  lastError: string | null;
  createdAt: string | null;
  addressState: AddressState;
  retryable: boolean;
  events: DeliveryEvent[];
  audit: AuditEntry[];
}

export interface ContactSummary {
  type: string;
  documentId: string;
  displayName: string;
  externalId: string | null;
  email: string | null;
  mobile: string | null;
}

export interface AddressSummary {
  channel: Channel;
  address: string | null;
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  provider: string | null;
  since: string | null;
  softBounceCount: number;
  reactivatedAt: string | null;
  reactivatedBy: string | null;
  reactivationReason: string | null;
}

export interface ContactDeliverability {
  contact: ContactSummary;
  addresses: AddressSummary[];
  lastMessages: DeliveryLog[];
  counts: Record<Channel, Partial<Record<MessageStatus, number>> & { total: number }>;
}

export interface AddressStatus {
  channel: Channel;
  address: string;
  normalized: string | null;
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  since: string | null;
}

export type StatusCounts = Record<MessageStatus, number>;

export interface ReportTotals extends StatusCounts {
  total: number;
  attempted: number;
  bounceRate: number | null;
  failureRate: number | null;
  deliveryRate: number | null;
  complaintRate: number | null;
  dropRate: number | null;
}

export interface Report {
  from: string;
  to: string;
  /** The zone the days are in: an IANA name, `UTC`, or a fixed offset such as `+01:00`. */
  timeZone: string;
  tzOffsetMinutes: number;
  channel: Channel | null;
  days: { day: string; channels: Record<Channel, StatusCounts> }[];
  totals: ReportTotals;
  byChannel: Record<Channel, ReportTotals>;
}

export interface Suppression {
  documentId: string;
  channel: Channel;
  address: string;
  state: AddressState;
  reason: string | null;
  providerCode: string | null;
  provider: string | null;
  since: string | null;
  softBounceCount: number;
  reactivatedAt: string | null;
  reactivatedBy: string | null;
  message: {
    documentId: string;
    source: string;
    sourceName: string | null;
    status: string;
    createdAt: string | null;
    contact: { type: string; documentId: string; displayName: string } | null;
  } | null;
}

export interface ProviderHealth {
  name: string;
  channel: Channel;
  configured: boolean;
  acceptsUnsigned: boolean;
  secretVariable: string;
  webhookUrl: string;
  lastEventAt: string | null;
  refused: { count: number; lastAt: string | null; lastStatus: number | null };
}

export interface ProvidersReport {
  publicUrlConfigured: boolean;
  baseUrl: string;
  refusalsSince: string | null;
  sending: { email: string | null; sms: string | null };
  providers: ProviderHealth[];
}

/** The admin API's base path. */
export const apiPath = (path: string): string => `/${PLUGIN_ID}${path}`;

/** A query string from the values that are set. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The server's own words for a failed request, when it sent some. */
export function errorMessage(error: unknown): string | null {
  if (isFetchError(error)) return error.response?.data?.error?.message ?? error.message ?? null;
  return error instanceof Error ? error.message : null;
}

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  isLoading: boolean;
  refetch: () => void;
}

/**
 * GETs an admin-API path and keeps its answer. A new path (a filter or page change) replaces an
 * answer still in flight, so a slow old page can never overwrite a newer one. `null` skips.
 */
export function useApi<T>(path: string | null): ApiState<T> {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<{ data: T | undefined; error: unknown; isLoading: boolean }>({
    data: undefined,
    error: undefined,
    isLoading: path !== null,
  });
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    if (path === null) return undefined;
    let current = true;
    setState((previous) => ({ ...previous, isLoading: true, error: undefined }));
    get<{ data: T }>(apiPath(path))
      .then((response) => {
        if (current) setState({ data: response.data.data, error: undefined, isLoading: false });
      })
      .catch((error: unknown) => {
        if (current) setState((previous) => ({ data: previous.data, error, isLoading: false }));
      });
    return () => {
      current = false;
    };
  }, [get, path, version]);

  const refetch = React.useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, refetch };
}
