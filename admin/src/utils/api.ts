import * as React from 'react';
import { adminApi, isFetchError } from '@strapi/strapi/admin';
import { PLUGIN_ID } from '../pluginId';

/**
 * The admin API's requests and answers are the server's own types (server/src/contract.ts): a
 * field renamed on one side fails the type check on the other.
 */
export type * from '../../../server/src/contract';
import type {
  AddressLookupRequest,
  AddressStatus,
  Answer,
  LogView,
  ImportReport,
  ProviderLift,
  ReactivateRequest,
  ReclassifyBody,
  ReclassifyResult,
  ReconcileResult,
  SyncStateView,
  VerificationView,
} from '../../../server/src/contract';

/** POST /addresses/reactivate's answer: the lifts of a reactivation, or the verification it waits for. */
export type ReactivateAnswer = { providerLifts?: ProviderLift[]; verification?: VerificationView };

/** The admin API's base path. */
export const apiPath = (path: string): string => `/${PLUGIN_ID}${path}`;

/**
 * A query string from the values that are set. `P` is the contract's type for the request's
 * parameters (`query<SuppressionParams>(…)`), so a parameter the server does not read fails here.
 */
export function query<P extends object>(params: { [K in keyof P]?: P[K] | null }): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The server's own words for a failed request, when it sent some. */
export function errorMessage(error: unknown): string | null {
  if (isFetchError(error)) return error.response?.data?.error?.message ?? error.message ?? null;
  if (error instanceof Error) return error.message;
  // RTK Query's errors are the server's `error` object: { status, name, message, details }.
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : null;
}

/**
 * The plugin's endpoints on Strapi's own data layer (RTK Query on `adminApi`, as the Content
 * Manager's are), so every view shares one cache. Every read provides the `Deliverability` tag and
 * every change (a reactivation, a retry) invalidates it: the badges, the side panel, Full Logs and
 * the lists all refresh. A reactivation also invalidates the Content Manager's documents, whose
 * status mirror fields it changed. Endpoint names are global to the admin, hence the prefix.
 */
const TAG = 'Deliverability';
const deliverabilityApi = adminApi.enhanceEndpoints({ addTagTypes: [TAG, 'Document'] }).injectEndpoints({
  endpoints: (builder) => ({
    deliverabilityGet: builder.query<unknown, string>({
      query: (path) => ({ url: apiPath(path), method: 'GET' }),
      transformResponse: (response: Answer<unknown>) => response.data,
      providesTags: [TAG],
    }),
    deliverabilityLookup: builder.query<AddressStatus[], AddressLookupRequest>({
      query: (body) => ({ url: apiPath('/addresses/lookup'), method: 'POST', data: body }),
      transformResponse: (response: Answer<AddressStatus[]>) => response.data,
      providesTags: [TAG],
    }),
    deliverabilityReactivate: builder.mutation<ReactivateAnswer, ReactivateRequest>({
      query: (body) => ({ url: apiPath('/addresses/reactivate'), method: 'POST', data: body }),
      transformResponse: (response: Answer<ReactivateAnswer>) => response.data,
      invalidatesTags: [TAG, 'Document'],
    }),
    deliverabilityStartSync: builder.mutation<SyncStateView, string>({
      query: (provider) => ({ url: apiPath(`/suppression-sync/${encodeURIComponent(provider)}`), method: 'POST', data: {} }),
      transformResponse: (response: Answer<SyncStateView>) => response.data,
      invalidatesTags: [TAG],
    }),
    deliverabilityImportCsv: builder.mutation<ImportReport, string>({
      query: (csv) => ({ url: apiPath('/suppressions/import'), method: 'POST', data: { csv } }),
      transformResponse: (response: Answer<ImportReport>) => response.data,
      invalidatesTags: [TAG, 'Document'],
    }),
    deliverabilityReconcile: builder.mutation<ReconcileResult, string>({
      query: (provider) => ({ url: apiPath(`/suppression-sync/drift/${encodeURIComponent(provider)}/lift`), method: 'POST', data: {} }),
      transformResponse: (response: Answer<ReconcileResult>) => response.data,
      invalidatesTags: [TAG],
    }),
    deliverabilityReclassify: builder.mutation<ReclassifyResult, { documentId: string } & ReclassifyBody>({
      query: ({ documentId, ...body }) => ({ url: apiPath(`/events/${encodeURIComponent(documentId)}/reclassify`), method: 'POST', data: body }),
      transformResponse: (response: Answer<ReclassifyResult>) => response.data,
      // The address's state may change: its badges and the contact's mirror fields too.
      invalidatesTags: [TAG, 'Document'],
    }),
    deliverabilityResendVerification: builder.mutation<VerificationView, string>({
      query: (documentId) => ({ url: apiPath(`/verifications/${encodeURIComponent(documentId)}/resend`), method: 'POST', data: {} }),
      transformResponse: (response: Answer<VerificationView>) => response.data,
      invalidatesTags: [TAG],
    }),
    deliverabilityRetry: builder.mutation<LogView, string>({
      query: (documentId) => ({ url: apiPath(`/logs/${encodeURIComponent(documentId)}/retry`), method: 'POST', data: {} }),
      transformResponse: (response: Answer<LogView>) => response.data,
      invalidatesTags: [TAG],
    }),
  }),
  overrideExisting: false,
});

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  isLoading: boolean;
  refetch: () => void;
}

/**
 * GETs an admin-API path and keeps its answer, from the shared cache. A new path (a filter or
 * page change) is a new cache entry, so a slow old page never overwrites a newer one. `null` skips.
 * `T` is what the path answers (the contract's type for it).
 */
export function useApi<T>(path: string | null, options: { pollingMs?: number } = {}): ApiState<T> {
  const result = deliverabilityApi.useDeliverabilityGetQuery(path ?? '', { skip: path === null, pollingInterval: options.pollingMs ?? 0 });
  const { refetch } = result;
  return {
    data: result.data as T | undefined,
    error: result.error,
    isLoading: result.isLoading || result.isFetching,
    refetch: React.useCallback(() => void refetch(), [refetch]),
  };
}

/** The state of many addresses in one request (the list view's badges). Identical lists share one request. */
export function useAddressStatuses(body: AddressLookupRequest, enabled: boolean): AddressStatus[] | undefined {
  const result = deliverabilityApi.useDeliverabilityLookupQuery(body, { skip: !enabled || body.addresses.length === 0 });
  // A failed look-up (no permission, say) shows no badges rather than an error in every cell.
  return result.isError ? [] : result.data;
}

/**
 * Reactivates an address; resolves with what each provider did when lifting it or, with
 * `reactivation.requireVerification`, the verification sent to the student; throws the server's error otherwise.
 */
export function useReactivateOrVerify(): (body: ReactivateRequest) => Promise<ReactivateAnswer> {
  const [reactivate] = deliverabilityApi.useDeliverabilityReactivateMutation();
  return React.useCallback(async (body) => reactivate(body).unwrap(), [reactivate]);
}

/** Reactivates an address; resolves with what each provider did when lifting it, throws the server's error otherwise. */
export function useReactivate(): (body: ReactivateRequest) => Promise<ProviderLift[]> {
  const reactivate = useReactivateOrVerify();
  return React.useCallback(async (body) => (await reactivate(body)).providerLifts ?? [], [reactivate]);
}

/** Sends a pending verification again (a new link or code, the old one void); resolves with the new one. */
export function useResendVerification(): (documentId: string) => Promise<VerificationView> {
  const [resend] = deliverabilityApi.useDeliverabilityResendVerificationMutation();
  return React.useCallback((documentId) => resend(documentId).unwrap(), [resend]);
}

/** Starts a pull of one provider's suppression lists now. */
export function useStartSync(): (provider: string) => Promise<SyncStateView> {
  const [start] = deliverabilityApi.useDeliverabilityStartSyncMutation();
  return React.useCallback((provider) => start(provider).unwrap(), [start]);
}

/** Lifts a batch of one provider's drifted addresses at that provider. */
export function useReconcile(): (provider: string) => Promise<ReconcileResult> {
  const [reconcile] = deliverabilityApi.useDeliverabilityReconcileMutation();
  return React.useCallback((provider) => reconcile(provider).unwrap(), [reconcile]);
}

/** Re-classifies a misread event; resolves with the address before and after, throws the server's error otherwise. */
export function useReclassify(): (request: { documentId: string } & ReclassifyBody) => Promise<ReclassifyResult> {
  const [reclassify] = deliverabilityApi.useDeliverabilityReclassifyMutation();
  return React.useCallback((request) => reclassify(request).unwrap(), [reclassify]);
}

/** Sends a deferred or failed message again now; resolves with the message as it is after. */
export function useRetry(): (documentId: string) => Promise<LogView> {
  const [retry] = deliverabilityApi.useDeliverabilityRetryMutation();
  return React.useCallback((documentId) => retry(documentId).unwrap(), [retry]);
}

/** Imports a CSV suppression list; resolves with the report, throws the server's error (with the report of refused rows) otherwise. */
export function useImportCsv(): (csv: string) => Promise<ImportReport> {
  const [importCsv] = deliverabilityApi.useDeliverabilityImportCsvMutation();
  return React.useCallback((csv) => importCsv(csv).unwrap(), [importCsv]);
}
