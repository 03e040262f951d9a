import { Box, Flex, Link, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { AddressStatusBadge } from '../badges/AddressStatusBadge';
import { fullLogsPath } from '../logs/FullLogsAction';
import { query, useApi, type WorklistItem, type WorklistPage as Worklist, type WorklistParams } from '../utils/api';
import { ListTable, type ListColumn } from '../utils/ListTable';
import { addressStateKey, type AddressState } from '../utils/status';
import { useT } from '../utils/translations';

const STATES: AddressState[] = ['failed', 'complained', 'unsubscribed', 'opted_out'];

/** The Content Manager's edit page of a contact, where its address is fixed. */
const editPath = (type: string, documentId: string): string =>
  `/content-manager/collection-types/${type}/${encodeURIComponent(documentId)}`;

/**
 * The advisors' worklist: students no channel reaches (an address failed and there is no working
 * alternative), newest failure first, filterable by what happened, each with a link to fix the
 * address and one to their Full Logs.
 */
export function WorklistPage(): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const [params, setParams] = useSearchParams();
  const state = (STATES as string[]).includes(params.get('state') ?? '') ? (params.get('state') as AddressState) : undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get('pageSize')) || 20));
  const list = useApi<Worklist>(`/worklist${query<WorklistParams>({ state, page, pageSize })}`);
  const select = (value: string | number): void => {
    const next = new URLSearchParams(params);
    if (value && value !== 'all') next.set('state', String(value));
    else next.delete('state');
    next.delete('page');
    setParams(next);
  };
  const columns: ListColumn<WorklistItem>[] = [
    {
      header: 'worklist.col.student',
      cell: (row) => (
        <Link tag={RouterLink} to={editPath(row.contact.type, row.contact.documentId)} data-worklist-fix={row.contact.documentId}>
          {row.contact.displayName}
        </Link>
      ),
    },
    {
      header: 'worklist.col.addresses',
      prose: '18rem',
      cell: (row) => (
        <Flex direction="column" alignItems="flex-start" gap={1}>
          {row.addresses.map((a) => (
            <Flex key={a.channel} gap={2}>
              <Typography>{a.address}</Typography>
              <AddressStatusBadge channel={a.channel} state={a.state} reason={a.reason} since={a.since} />
            </Flex>
          ))}
        </Flex>
      ),
    },
    { header: 'worklist.col.since', cell: (row) => (row.since ? formatDate(row.since, { dateStyle: 'medium', timeStyle: 'short' }) : '-') },
    {
      header: 'worklist.col.logs',
      cell: (row) => (
        <Link tag={RouterLink} to={fullLogsPath(row.contact.type, row.contact.documentId)}>
          {t('worklist.logs')}
        </Link>
      ),
    },
  ];
  return (
    <Page.Main>
      <Page.Title>{t('worklist.title')}</Page.Title>
      <Layouts.Header title={t('worklist.title')} subtitle={t('worklist.subtitle')} />
      <Layouts.Action
        startActions={
          <Box minWidth="18rem">
            <SingleSelect aria-label={t('worklist.filter')} value={state ?? 'all'} onChange={select}>
              <SingleSelectOption value="all">{t('worklist.allStates')}</SingleSelectOption>
              {STATES.map((s) => (
                <SingleSelectOption key={s} value={s}>
                  {t(addressStateKey(s))}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Box>
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={3}>
          {list.data && list.data.unlistedTypes.length > 0 ? (
            <Typography textColor="neutral600">{t('worklist.unlisted', { types: list.data.unlistedTypes.join(', ') })}</Typography>
          ) : null}
          <ListTable
            list={list}
            columns={columns}
            rowKey={(row) => `${row.contact.type}:${row.contact.documentId}`}
            rowProps={(row) => ({ 'data-worklist-row': row.contact.displayName })}
            empty={t('worklist.empty')}
            pageSize={pageSize}
          />
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}
