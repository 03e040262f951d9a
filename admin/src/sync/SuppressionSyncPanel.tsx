import * as React from 'react';
import { Badge, Box, Button, Flex, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { useSearchParams } from 'react-router-dom';
import { useCan } from '../permissions';
import {
  errorMessage,
  query,
  useApi,
  useReconcile,
  useStartSync,
  type DriftAddressView,
  type DriftParams,
  type DriftReport,
  type SyncStateView,
} from '../utils/api';
import { ListTable, type ListColumn } from '../utils/ListTable';
import { useT, type TranslationKey } from '../utils/translations';

const PROVIDER_NAMES: Record<SyncStateView['provider'], TranslationKey> = {
  sendgrid: 'providers.name.sendgrid',
  mailgun: 'providers.name.mailgun',
  postmark: 'providers.name.postmark',
  ses: 'sync.name.ses',
};

const STATUS_KEYS: Record<SyncStateView['status'], TranslationKey> = {
  idle: 'sync.status.idle',
  running: 'sync.status.running',
  done: 'sync.status.done',
  failed: 'sync.status.failed',
};

const KIND_KEYS: Record<string, TranslationKey> = {
  hard_bounce: 'drift.kind.hard_bounce',
  complaint: 'drift.kind.complaint',
  unsubscribe: 'drift.kind.unsubscribe',
};

const STATUS_VARIANTS: Record<SyncStateView['status'], 'secondary' | 'success' | 'danger' | 'neutral'> = {
  idle: 'neutral',
  running: 'secondary',
  done: 'success',
  failed: 'danger',
};

function SyncRow({ state, canSync }: { state: SyncStateView; canSync: boolean }): JSX.Element {
  const t = useT();
  const { formatDate, formatNumber } = useIntl();
  const start = useStartSync();
  const { toggleNotification } = useNotification();
  const date = (value: string | null): string =>
    value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'short' }) : t('providers.never');
  async function syncNow(): Promise<void> {
    try {
      await start(state.provider);
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('sync.startFailed') });
    }
  }
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={4} data-sync-provider={state.provider}>
      <Flex justifyContent="space-between" gap={4} wrap="wrap">
        <Flex direction="column" alignItems="flex-start" gap={1}>
          <Flex gap={2}>
            <Typography variant="delta" tag="h3">
              {t(PROVIDER_NAMES[state.provider])}
            </Typography>
            {state.configured ? (
              <Badge variant={STATUS_VARIANTS[state.status]}>{t(STATUS_KEYS[state.status])}</Badge>
            ) : (
              <Badge>{t('sync.notConfigured')}</Badge>
            )}
          </Flex>
          {state.configured ? (
            <Typography variant="pi" textColor="neutral600">
              {t('sync.progress', {
                pages: formatNumber(state.pagesRead),
                entries: formatNumber(state.entriesRead),
                fresh: formatNumber(state.entriesNew),
              })}
              {state.currentList ? ` · ${t('sync.currentList', { list: state.currentList })}` : ''}
              {' · '}
              {t('sync.lastRun', { date: date(state.runFinishedAt) })}
            </Typography>
          ) : (
            <Typography variant="pi" textColor="neutral600">
              {t('sync.howToConfigure')}
            </Typography>
          )}
          {state.lastError ? (
            <Typography variant="pi" textColor="danger600" data-sync-error>
              {t('sync.error', { error: state.lastError })}
            </Typography>
          ) : null}
        </Flex>
        {canSync && state.configured ? (
          <Button
            variant="secondary"
            size="S"
            startIcon={<ArrowClockwise />}
            loading={state.running}
            disabled={state.running}
            onClick={() => void syncNow()}
          >
            {t('sync.now')}
          </Button>
        ) : null}
      </Flex>
    </Box>
  );
}

function DriftList({ counts, canLift }: { counts: Record<string, number>; canLift: boolean }): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const [params, setParams] = useSearchParams();
  const provider = params.get('driftProvider');
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get('pageSize')) || 20));
  const list = useApi<DriftReport>(
    `/suppression-sync/drift${query<DriftParams>({ provider, page: String(page), pageSize: String(pageSize) })}`,
  );
  const reconcile = useReconcile();
  const { toggleNotification } = useNotification();
  const [lifting, setLifting] = React.useState(false);

  async function liftAt(target: string): Promise<void> {
    setLifting(true);
    try {
      const result = await reconcile(target);
      toggleNotification({
        type: result.failed.length > 0 ? 'warning' : 'success',
        message: t('drift.lifted', { lifted: result.lifted, failed: result.failed.length, remaining: result.remaining }),
      });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('drift.liftFailed') });
    } finally {
      setLifting(false);
    }
  }

  const select = (value: string | number): void => {
    const next = new URLSearchParams(params);
    if (value && value !== 'all') next.set('driftProvider', String(value));
    else next.delete('driftProvider');
    next.delete('page');
    setParams(next);
  };
  const columns: ListColumn<DriftAddressView>[] = [
    { header: 'drift.col.address', cell: (row) => <Typography fontWeight="semiBold">{row.address}</Typography> },
    { header: 'drift.col.provider', cell: (row) => `${row.provider} · ${row.list}` },
    { header: 'drift.col.kind', cell: (row) => (KIND_KEYS[row.kind] ? t(KIND_KEYS[row.kind]) : row.kind) },
    { header: 'drift.col.listedAt', cell: (row) => (row.listedAt ? formatDate(row.listedAt, { dateStyle: 'medium' }) : '-') },
  ];
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Flex gap={3} wrap="wrap">
        <Box minWidth="14rem">
          <SingleSelect aria-label={t('drift.filter')} value={provider ?? 'all'} onChange={select}>
            <SingleSelectOption value="all">{t('drift.allProviders')}</SingleSelectOption>
            {Object.keys(counts).map((name) => (
              <SingleSelectOption key={name} value={name}>
                {name}
              </SingleSelectOption>
            ))}
          </SingleSelect>
        </Box>
        {canLift && provider && counts[provider] ? (
          <Button variant="danger-light" loading={lifting} onClick={() => void liftAt(provider)} data-drift-lift={provider}>
            {t('drift.lift', { provider })}
          </Button>
        ) : null}
      </Flex>
      <ListTable
        list={list}
        columns={columns}
        rowKey={(row) => `${row.provider}:${row.list}:${row.address}`}
        rowProps={(row) => ({ 'data-drift-row': row.address })}
        empty={t('drift.empty')}
        pageSize={pageSize}
      />
    </Flex>
  );
}

/**
 * The providers' own suppression lists: each provider's pull (progress, last run, why it stopped,
 * "sync now"), and the drift report: per provider, the addresses it suppresses that the plugin
 * would send to (reactivated here while the provider kept them), with a way to lift them there.
 */
export function SuppressionSyncPanel(): JSX.Element | null {
  const t = useT();
  const can = useCan();
  const [polling, setPolling] = React.useState(false);
  const states = useApi<SyncStateView[]>('/suppression-sync', { pollingMs: polling ? 2000 : 0 });
  const drift = useApi<DriftReport>(can.readLogs ? '/suppression-sync/drift?pageSize=1' : null, { pollingMs: polling ? 2000 : 0 });
  const anyRunning = states.data?.some((s) => s.running) ?? false;
  React.useEffect(() => setPolling(anyRunning), [anyRunning]);
  if (!states.data) return null;
  const counts = drift.data?.counts ?? {};
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return (
    <Flex direction="column" alignItems="stretch" gap={4} data-suppression-sync>
      <Flex direction="column" alignItems="flex-start" gap={1}>
        <Typography variant="beta" tag="h2">
          {t('sync.title')}
        </Typography>
        <Typography textColor="neutral600">{t('sync.subtitle')}</Typography>
      </Flex>
      {states.data.map((state) => (
        <SyncRow key={state.provider} state={state} canSync={can.syncSuppressions} />
      ))}
      {can.readLogs ? (
        <Flex direction="column" alignItems="stretch" gap={3} data-drift-report>
          <Typography variant="delta" tag="h3">
            {t('drift.title')}
          </Typography>
          {/* "No drift" only once the report has come: while it loads, or when it failed, nothing is known. */}
          {drift.data ? (
            <Typography textColor="neutral600" data-drift-summary>
              {total === 0
                ? t('drift.none')
                : t('drift.summary', {
                    counts: Object.entries(counts)
                      .map(([name, n]) => `${name}: ${n}`)
                      .join(', '),
                  })}
            </Typography>
          ) : (
            <Typography textColor={drift.error ? 'danger600' : 'neutral600'} data-drift-pending>
              {t(drift.error ? 'state.error' : 'state.loading')}
            </Typography>
          )}
          {total > 0 ? <DriftList counts={counts} canLift={can.reactivate} /> : null}
        </Flex>
      ) : null}
    </Flex>
  );
}
