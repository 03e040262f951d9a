import * as React from 'react';
import { Box, Flex, LinkButton, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Pencil } from '@strapi/icons';
import { BackButton, Layouts, Page, Pagination, useNotification } from '@strapi/strapi/admin';
import { Link as RouterLink, useParams, useSearchParams } from 'react-router-dom';
import { CONTACT_UID } from '../pluginId';
import { useCan } from '../permissions';
import { ReactivateDialog, type ReactivateTarget } from '../suppressions/ReactivateDialog';
import { errorMessage, query, useApi, useRetry, type AddressSummary, type ContactDeliverability, type LogView, type ContactLogs, type ContactLogsParams, type ContactParams, type EventView } from '../utils/api';
import { EmptyState, ErrorState, LoadingState } from '../utils/States';
import { CHANNELS, MESSAGE_STATUSES, channelKey, messageStatusKey, type Channel, type MessageStatus } from '../utils/status';
import { useT } from '../utils/translations';
import { AddressCards } from './AddressCards';
import { AddressChanges } from './AddressChanges';
import { ReclassifyDialog } from './ReclassifyDialog';
import { useResendAction } from './useResendAction';
import { Timeline } from './Timeline';

/** The Content Manager's edit view of a contact. */
export const editViewUrl = (type: string, documentId: string): string => `/content-manager/collection-types/${type}/${documentId}`;

/** The counts line under the address cards: "Email: 12 messages · 11 delivered · 1 bounced". */
function CountsLine({ summary }: { summary: ContactDeliverability }): JSX.Element {
  const t = useT();
  const lines = CHANNELS.filter((channel) => summary.counts[channel].total > 0).map((channel) => {
    const counts = summary.counts[channel];
    const parts = MESSAGE_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${t(messageStatusKey(s)).toLowerCase()}`);
    return `${t(channelKey(channel))}: ${t('fullLogs.counts.messages', { count: counts.total })}${parts.length ? ` · ${parts.join(' · ')}` : ''}`;
  });
  return (
    <Typography textColor="neutral600" variant="omega" data-counts>
      {lines.length ? lines.join('   ') : t('fullLogs.counts.none')}
    </Typography>
  );
}

/**
 * Full Logs: a student's every message on both channels, newest first, a page at a time, with
 * filters by channel and status; each opens to show every attempt and provider event. The
 * address cards above say what state each address is in, and allow reactivating it.
 */
export function FullLogsPage(): JSX.Element {
  const t = useT();
  const can = useCan();
  const { documentId = '' } = useParams<{ documentId: string }>();
  const [params, setParams] = useSearchParams();
  const retryNow = useRetry();
  const { resendingId, resend } = useResendAction();
  const { toggleNotification } = useNotification();
  const type = params.get('type') ?? CONTACT_UID;
  const channel = (CHANNELS as readonly string[]).includes(params.get('channel') ?? '') ? (params.get('channel') as Channel) : null;
  const status = (MESSAGE_STATUSES as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as MessageStatus) : null;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(50, Math.max(1, Number(params.get('pageSize')) || 10));

  const logs = useApi<ContactLogs>(
    `/contacts/${encodeURIComponent(documentId)}/logs${query<ContactLogsParams>({ type, channel, status, page, pageSize })}`,
  );
  const summary = useApi<ContactDeliverability>(`/contacts/${encodeURIComponent(documentId)}/summary${query<ContactParams>({ type })}`);
  const [reactivating, setReactivating] = React.useState<ReactivateTarget | null>(null);
  const [retrying, setRetrying] = React.useState<string | null>(null);
  const [reclassifying, setReclassifying] = React.useState<EventView | null>(null);

  const setFilter = (name: 'channel' | 'status', value: string | null): void => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    // A new filter starts at its first page.
    next.delete('page');
    setParams(next);
  };

  async function retry(log: LogView): Promise<void> {
    setRetrying(log.documentId);
    try {
      // The retry invalidates the cache: this page's lists, the side panel and the badges refetch.
      await retryNow(log.documentId);
      toggleNotification({ type: 'success', message: t('fullLogs.retry.done') });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('fullLogs.retry.failed') });
    } finally {
      setRetrying(null);
    }
  }

  const contact = logs.data?.contact ?? summary.data?.contact;
  const name = contact?.displayName ?? '';

  if (!logs.data && logs.isLoading) return <Page.Loading />;
  if (!logs.data && logs.error) {
    return (
      <Page.Main>
        <Layouts.Header navigationAction={<BackButton fallback={editViewUrl(type, documentId)} />} title={t('fullLogs.titleUnknown')} />
        <Layouts.Content>
          <ErrorState error={logs.error} onRetry={logs.refetch} />
        </Layouts.Content>
      </Page.Main>
    );
  }

  const results = logs.data?.results ?? [];
  const filtered = channel !== null || status !== null;
  return (
    <Page.Main>
      <Page.Title>{t('fullLogs.pageTitle', { name })}</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={editViewUrl(type, documentId)} />}
        title={t('fullLogs.title', { name })}
        subtitle={contact?.externalId ? t('fullLogs.subtitleWithId', { id: contact.externalId }) : t('fullLogs.subtitle')}
        primaryAction={
          <LinkButton tag={RouterLink} to={editViewUrl(type, documentId)} variant="tertiary" startIcon={<Pencil />}>
            {t('fullLogs.openStudent')}
          </LinkButton>
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {summary.data ? (
            <Flex direction="column" alignItems="stretch" gap={2}>
              <AddressCards
                addresses={summary.data.addresses}
                canReactivate={can.reactivate}
                onReactivate={(a: AddressSummary) => a.address && setReactivating({ channel: a.channel, address: a.address, state: a.state, reason: a.reason })}
                onResendVerification={(v) => void resend(v)}
                resendingId={resendingId}
              />
              <CountsLine summary={summary.data} />
              <AddressChanges changes={summary.data.addressChanges} />
            </Flex>
          ) : summary.error ? (
            <ErrorState error={summary.error} onRetry={summary.refetch} />
          ) : (
            <LoadingState />
          )}

          <Flex gap={3} wrap="wrap">
            <Box minWidth="20rem">
              <SingleSelect
                aria-label={t('fullLogs.filter.channel')}
                value={channel ?? 'all'}
                onChange={(value: string | number) => setFilter('channel', value === 'all' ? null : String(value))}
              >
                <SingleSelectOption value="all">{t('fullLogs.filter.allChannels')}</SingleSelectOption>
                {CHANNELS.map((c) => (
                  <SingleSelectOption key={c} value={c}>
                    {t(channelKey(c))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
            <Box minWidth="20rem">
              <SingleSelect
                aria-label={t('fullLogs.filter.status')}
                value={status ?? 'all'}
                onChange={(value: string | number) => setFilter('status', value === 'all' ? null : String(value))}
              >
                <SingleSelectOption value="all">{t('fullLogs.filter.allStatuses')}</SingleSelectOption>
                {MESSAGE_STATUSES.map((s) => (
                  <SingleSelectOption key={s} value={s}>
                    {t(messageStatusKey(s))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
          </Flex>

          {logs.error ? (
            <ErrorState error={logs.error} onRetry={logs.refetch} />
          ) : logs.isLoading && results.length === 0 ? (
            <LoadingState />
          ) : results.length === 0 ? (
            <EmptyState content={filtered ? t('fullLogs.empty.filtered') : t('fullLogs.empty')} />
          ) : (
            <Box aria-busy={logs.isLoading} style={{ opacity: logs.isLoading ? 0.6 : 1 }}>
              <Timeline
                logs={results}
                canRetry={can.retry}
                retrying={retrying}
                onRetry={(log) => void retry(log)}
                onReclassify={can.reclassify ? setReclassifying : undefined}
              />
            </Box>
          )}

          {logs.data && logs.data.pagination.total > 0 ? (
            <Pagination.Root pageCount={logs.data.pagination.pageCount} total={logs.data.pagination.total} defaultPageSize={pageSize}>
              <Pagination.PageSize options={['10', '20', '50']} />
              <Pagination.Links />
            </Pagination.Root>
          ) : null}
        </Flex>
      </Layouts.Content>
      <ReactivateDialog target={reactivating} onClose={() => setReactivating(null)} />
      <ReclassifyDialog event={reclassifying} onClose={() => setReclassifying(null)} />
    </Page.Main>
  );
}
