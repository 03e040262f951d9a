import * as React from 'react';
import { Button, Link, Typography } from '@strapi/design-system';
import { Plus } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';
import { useCan } from '../permissions';
import { PLUGIN_PATH } from '../pluginId';
import { query, useApi, type BulkSendView, type Page as ApiPage } from '../utils/api';
import { ListTable, type ListColumn } from '../utils/ListTable';
import { channelKey } from '../utils/status';
import { useT } from '../utils/translations';
import { BulkStatusBadge } from './BulkSendPage';
import { figuresOf, isSending } from './progress';

/** While any listed send runs, the list asks again this often. */
const POLL_MS = 3000;

/** Bulk sends, newest first, each with its status and progress; a button to compose a new one. */
export function BulkSendsPage(): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const navigate = useNavigate();
  const can = useCan();
  const [params] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get('pageSize')) || 20));
  const path = `/bulk-sends${query<{ page: number; pageSize: number }>({ page, pageSize })}`;
  const [running, setRunning] = React.useState(false);
  const list = useApi<ApiPage<BulkSendView>>(path, { pollingMs: running ? POLL_MS : 0 });
  React.useEffect(() => setRunning(list.data?.results.some((send) => isSending(send.status)) ?? false), [list.data]);
  const columns: ListColumn<BulkSendView>[] = [
    {
      header: 'bulk.col.name',
      cell: (send) => (
        <Link tag={RouterLink} to={`${PLUGIN_PATH}/bulk/${send.id}`} data-bulk-link={send.id}>
          {send.sourceName}
        </Link>
      ),
    },
    { header: 'bulk.col.channel', cell: (send) => <Typography>{t(channelKey(send.channel))}</Typography> },
    { header: 'bulk.col.status', cell: (send) => <BulkStatusBadge status={send.status} /> },
    {
      header: 'bulk.col.progress',
      cell: (send) => {
        const f = figuresOf(send);
        return <Typography>{t('bulk.progress.value', { done: f.done, total: f.total, percent: f.percent })}</Typography>;
      },
    },
    {
      header: 'bulk.col.created',
      cell: (send) => (
        <Typography>{send.createdAt ? formatDate(send.createdAt, { dateStyle: 'medium', timeStyle: 'short' }) : '-'}</Typography>
      ),
    },
  ];
  return (
    <Page.Main>
      <Page.Title>{t('bulk.title')}</Page.Title>
      <Layouts.Header
        title={t('bulk.title')}
        subtitle={t('bulk.subtitle')}
        primaryAction={
          can.bulkSend ? (
            <Button startIcon={<Plus />} onClick={() => navigate(`${PLUGIN_PATH}/bulk/new`)}>
              {t('bulk.new')}
            </Button>
          ) : undefined
        }
      />
      <Layouts.Content>
        <ListTable
          list={list}
          columns={columns}
          rowKey={(send) => send.id}
          rowProps={(send) => ({ 'data-bulk-row': send.id })}
          empty={t('bulk.empty')}
          pageSize={pageSize}
        />
      </Layouts.Content>
    </Page.Main>
  );
}
