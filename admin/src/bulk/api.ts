import * as React from 'react';
import { adminApi } from '@strapi/strapi/admin';
import { apiPath, type Answer, type BulkPreview, type BulkSendView } from '../utils/api';

/**
 * The bulk-send requests that change something or compute an answer from a body (the preview),
 * on Strapi's data layer like the plugin's others. Every change invalidates the plugin's tag, so
 * the list and the send's own page (both `useApi` reads) refresh at once.
 */
const TAG = 'Deliverability';

export type BulkAction = 'pause' | 'resume' | 'cancel';

/** The compose form's request, as POST /bulk-sends and /bulk-sends/preview take it. */
export interface BulkSendRequest {
  channel: 'email' | 'sms';
  sourceName: string;
  subject?: string;
  text?: string;
  body?: string;
  category?: string;
  recipients: { type: string | null; filters: Record<string, unknown> };
}

const bulkApi = adminApi.enhanceEndpoints({ addTagTypes: [TAG] }).injectEndpoints({
  endpoints: (builder) => ({
    deliverabilityBulkPreview: builder.mutation<BulkPreview, BulkSendRequest>({
      query: (body) => ({ url: apiPath('/bulk-sends/preview'), method: 'POST', data: body }),
      transformResponse: (response: Answer<BulkPreview>) => response.data,
    }),
    deliverabilityBulkCreate: builder.mutation<BulkSendView, BulkSendRequest>({
      query: (body) => ({ url: apiPath('/bulk-sends'), method: 'POST', data: body }),
      transformResponse: (response: Answer<BulkSendView>) => response.data,
      invalidatesTags: [TAG],
    }),
    deliverabilityBulkAction: builder.mutation<BulkSendView, { id: string; action: BulkAction }>({
      query: ({ id, action }) => ({ url: apiPath(`/bulk-sends/${encodeURIComponent(id)}/${action}`), method: 'POST', data: {} }),
      transformResponse: (response: Answer<BulkSendView>) => response.data,
      invalidatesTags: [TAG],
    }),
  }),
  overrideExisting: false,
});

/** The first recipients and the suppressed count; throws the server's error (with `details.field`) otherwise. */
export function useBulkPreview(): (body: BulkSendRequest) => Promise<BulkPreview> {
  const [preview] = bulkApi.useDeliverabilityBulkPreviewMutation();
  return React.useCallback((body) => preview(body).unwrap(), [preview]);
}

/** Queues the send; resolves with it. */
export function useCreateBulkSend(): (body: BulkSendRequest) => Promise<BulkSendView> {
  const [create] = bulkApi.useDeliverabilityBulkCreateMutation();
  return React.useCallback((body) => create(body).unwrap(), [create]);
}

/** Pauses, resumes or cancels a send; resolves with it as it is after. */
export function useBulkAction(): (id: string, action: BulkAction) => Promise<BulkSendView> {
  const [act] = bulkApi.useDeliverabilityBulkActionMutation();
  return React.useCallback((id, action) => act({ id, action }).unwrap(), [act]);
}

/** The field a refusal names (`sourceName`, `recipients.filters.x`, `mergeFields`), when it names one. */
export function refusedField(error: unknown): string | null {
  const details = (error as { details?: { field?: unknown } } | null | undefined)?.details;
  return typeof details?.field === 'string' ? details.field : null;
}
