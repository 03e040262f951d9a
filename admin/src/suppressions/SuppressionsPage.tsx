import * as React from 'react';
import { Box, Button, Flex, Link, Searchbar, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { AddressStatusBadge } from '../badges/AddressStatusBadge';
import { fullLogsPath } from '../logs/FullLogsAction';
import { MessageStatusBadge } from '../logs/MessageStatusBadge';
import { useCan } from '../permissions';
import { query, useApi, type SuppressionList, type SuppressionParams, type SuppressionView } from '../utils/api';
import { ListTable, type ListColumn } from '../utils/ListTable';
import { ADDRESS_STATES, CHANNELS, addressStateKey, channelKey, sourceKey, type AddressState, type Channel, type MessageStatus } from '../utils/status';
import { useT } from '../utils/translations';
import { CsvActions } from './CsvActions';
import { ReactivateDialog, type ReactivateTarget } from './ReactivateDialog';

const LISTED: AddressState[] = ADDRESS_STATES.filter((s) => s !== 'active');

/**
 * The suppression list: every address the plugin will not send to (and those soft-bouncing on the
 * way there), searchable by address, filterable by channel and state, each with its reason, the
 * provider's code, the date and the message that caused it, and reactivation for those allowed.
 */
export function SuppressionsPage(): JSX.Element {
  const t = useT();
  const can = useCan();
  const { formatDate, formatNumber } = useIntl();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const channel = (CHANNELS as readonly string[]).includes(params.get('channel') ?? '') ? (params.get('channel') as Channel) : null;
  const state = (LISTED as readonly string[]).includes(params.get('state') ?? '') ? (params.get('state') as AddressState) : null;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get('pageSize')) || 20));
  const list = useApi<SuppressionList>(`/suppressions${query<SuppressionParams>({ q, channel, state, page, pageSize })}`);
  const [search, setSearch] = React.useState(q);
  const [target, setTarget] = React.useState<ReactivateTarget | null>(null);

  React.useEffect(() => setSearch(q), [q]);

  const update = (changes: Record<string, string | null>): void => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    next.delete('page');
    setParams(next);
  };

  const filtered = Boolean(q || channel || state);
  const date = (value: string | null): string => (value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'short' }) : '-');
  const columns: ListColumn<SuppressionView>[] = [
    {
      header: 'suppressions.col.address',
      cell: (row) => (
        <Flex direction="column" alignItems="flex-start">
          <Typography fontWeight="semiBold" textColor="neutral800">
            {row.address}
          </Typography>
          <Typography variant="pi" textColor="neutral600">
            {t(channelKey(row.channel))}
          </Typography>
        </Flex>
      ),
    },
    {
      header: 'suppressions.col.state',
      cell: (row) => (
        <Flex direction="column" alignItems="flex-start" gap={1}>
          <AddressStatusBadge channel={row.channel} state={row.state} reason={row.reason} since={row.since} />
          <Typography variant="pi" textColor="neutral600">
            {t('suppressions.since', { date: date(row.since) })}
          </Typography>
        </Flex>
      ),
    },
    {
      header: 'suppressions.col.reason',
      prose: '16rem',
      cell: (row) => (
        <>
          <Typography textColor="neutral800">{row.reason ?? '-'}</Typography>
          {row.reactivatedAt ? (
            <Typography variant="pi" textColor="neutral600" tag="div">
              {t('suppressions.previouslyReactivated', { name: row.reactivatedBy ?? '-', date: date(row.reactivatedAt) })}
            </Typography>
          ) : null}
        </>
      ),
    },
    {
      header: 'suppressions.col.code',
      cell: (row) => (
        <>
          <Typography textColor="neutral800">{row.providerCode ?? '-'}</Typography>
          {row.provider ? (
            <Typography variant="pi" textColor="neutral600" tag="div">
              {row.provider}
            </Typography>
          ) : null}
        </>
      ),
    },
    {
      header: 'suppressions.col.message',
      prose: '14rem',
      cell: (row) =>
        row.message ? (
          <Flex direction="column" alignItems="flex-start" gap={1}>
            <Flex gap={2} wrap="wrap">
              <MessageStatusBadge status={row.message.status as MessageStatus} />
              <Typography variant="pi" textColor="neutral700">
                {row.message.sourceName ? `${t(sourceKey(row.message.source))}: ${row.message.sourceName}` : t(sourceKey(row.message.source))}
              </Typography>
            </Flex>
            {row.message.contact ? (
              <Link tag={RouterLink} to={fullLogsPath(row.message.contact.type, row.message.contact.documentId)}>
                {t('suppressions.studentLogs', { name: row.message.contact.displayName })}
              </Link>
            ) : null}
          </Flex>
        ) : (
          <Typography variant="pi" textColor="neutral600">
            {t('suppressions.noMessage')}
          </Typography>
        ),
    },
  ];
  if (can.reactivate) {
    columns.push({
      header: 'suppressions.col.actions',
      cell: (row) => (
        <Button size="S" variant="secondary" onClick={() => setTarget({ channel: row.channel, address: row.address, state: row.state, reason: row.reason })}>
          {t('addresses.reactivate')}
        </Button>
      ),
    });
  }

  return (
    <Page.Main>
      <Page.Title>{t('suppressions.title')}</Page.Title>
      <Layouts.Header
        title={t('suppressions.title')}
        subtitle={list.data ? t('suppressions.subtitle', { count: list.data.pagination.total }) : t('suppressions.subtitleLoading')}
      />
      <Layouts.Action
        endActions={<CsvActions filters={{ q, channel: channel ?? undefined, state: state ?? undefined }} />}
        startActions={
          <Flex gap={3} wrap="wrap">
            <form
              role="search"
              onSubmit={(event) => {
                event.preventDefault();
                update({ q: search.trim() || null });
              }}
            >
              <Searchbar
                name="q"
                value={search}
                onChange={(event: React.ChangeEvent<HTMLInputElement>) => setSearch(event.target.value)}
                onClear={() => {
                  setSearch('');
                  update({ q: null });
                }}
                clearLabel={t('suppressions.search.clear')}
                placeholder={t('suppressions.search.placeholder')}
              >
                {t('suppressions.search.label')}
              </Searchbar>
            </form>
            <Box minWidth="18rem">
              <SingleSelect aria-label={t('suppressions.filter.channel')} value={channel ?? 'all'} onChange={(value: string | number) => update({ channel: value === 'all' ? null : String(value) })}>
                <SingleSelectOption value="all">{t('suppressions.filter.allChannels')}</SingleSelectOption>
                {CHANNELS.map((c) => (
                  <SingleSelectOption key={c} value={c}>
                    {t(channelKey(c))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
            <Box minWidth="22rem">
              <SingleSelect aria-label={t('suppressions.filter.state')} value={state ?? 'all'} onChange={(value: string | number) => update({ state: value === 'all' ? null : String(value) })}>
                <SingleSelectOption value="all">{t('suppressions.filter.allStates')}</SingleSelectOption>
                {LISTED.map((s) => (
                  <SingleSelectOption key={s} value={s}>
                    {list.data ? `${t(addressStateKey(s))} (${formatNumber(list.data.counts[s] ?? 0)})` : t(addressStateKey(s))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
          </Flex>
        }
      />
      <Layouts.Content>
        <ListTable
          list={list}
          columns={columns}
          rowKey={(row) => row.documentId}
          rowProps={(row) => ({ 'data-suppression': row.address })}
          empty={filtered ? t('suppressions.empty.filtered') : t('suppressions.empty')}
          pageSize={pageSize}
        />
      </Layouts.Content>
      <ReactivateDialog target={target} onClose={() => setTarget(null)} />
    </Page.Main>
  );
}
