import * as React from 'react';
import { Badge, Box, Button, Dialog, Flex, Grid, Typography } from '@strapi/design-system';
import { Cross, Play } from '@strapi/icons';
import { BackButton, Layouts, Page, useNotification } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { useParams } from 'react-router-dom';
import { useCan } from '../permissions';
import { PLUGIN_PATH } from '../pluginId';
import { MailboxProvidersTable } from '../reports/MailboxProvidersTable';
import {
  errorMessage,
  useApi,
  type BreakerTripView,
  type BulkPauseView,
  type BulkSendStatus,
  type BulkSendView,
  type MailboxProviderRow,
} from '../utils/api';
import { ErrorState, LoadingState } from '../utils/States';
import { channelKey } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';
import { useBulkAction, type BulkAction } from './api';
import { useCategoryName } from './CategoryField';
import {
  BREAKER_METRIC_KEYS,
  BULK_STATUS_COLOURS,
  BULK_STATUS_KEYS,
  canCancel,
  canPause,
  canResume,
  figuresOf,
  isActive,
} from './progress';

/** How often a running send's page asks again: its figures move every second. */
const POLL_MS = 1000;

export function BulkStatusBadge({ status }: { status: BulkSendStatus }): JSX.Element {
  const t = useT();
  const colours = BULK_STATUS_COLOURS[status];
  return (
    <Badge backgroundColor={colours.background} textColor={colours.text} data-bulk-status={status}>
      {t(BULK_STATUS_KEYS[status])}
    </Badge>
  );
}

/** The figures that tripped a breaker, as one sentence: on the send's page and in the reports. */
export function useTripText(): (trip: BreakerTripView) => string {
  const t = useT();
  const { formatNumber } = useIntl();
  const percent = (n: number): string => formatNumber(n, { style: 'percent', maximumFractionDigits: 2 });
  return (trip) =>
    t('bulk.pause.trip', {
      metric: t(BREAKER_METRIC_KEYS[trip.metric]),
      rate: percent(trip.rate),
      count: trip.count,
      sample: trip.sample,
      threshold: percent(trip.threshold),
    });
}

/** Why the send is paused: the breaker, with the figures that tripped it, or an editor. */
function PauseNotice({ pause }: { pause: BulkPauseView }): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const tripText = useTripText();
  const at = formatDate(pause.at, { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <Box background={pause.by === 'breaker' ? 'danger100' : 'warning100'} hasRadius padding={4} data-bulk-pause={pause.by}>
      {pause.by === 'breaker' ? (
        <Flex direction="column" alignItems="flex-start" gap={1}>
          <Typography fontWeight="bold" textColor="danger700">
            {t('bulk.pause.breaker', { at })}
          </Typography>
          <Typography textColor="danger700" data-bulk-trip={pause.trip.metric}>
            {tripText(pause.trip)}
          </Typography>
          <Typography textColor="neutral700">{t('bulk.pause.breakerHint')}</Typography>
        </Flex>
      ) : (
        <Typography textColor="warning700">{t('bulk.pause.editor', { actor: pause.actor, at })}</Typography>
      )}
    </Box>
  );
}

/**
 * The send's progress as a full-width bar. The design system's ProgressBar is a small fixed-size
 * bar made for dark surfaces (upload toasts); on a white card it hardly showed.
 */
function ProgressTrack({ percent, label }: { percent: number; label: string }): JSX.Element {
  return (
    <Box
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      background="neutral150"
      hasRadius
      height="1rem"
      width="100%"
      overflow="hidden"
    >
      <Box background="primary600" height="100%" width={`${percent}%`} style={{ transition: 'width 0.5s ease' }} />
    </Box>
  );
}

function Figures({ send }: { send: BulkSendView }): JSX.Element {
  const t = useT();
  const { formatNumber } = useIntl();
  const f = figuresOf(send);
  const cells: { key: TranslationKey; value: number; id: string }[] = [
    { key: 'bulk.figure.queued', value: f.queued, id: 'queued' },
    { key: 'bulk.figure.sent', value: f.sent, id: 'sent' },
    { key: 'bulk.figure.delivered', value: f.delivered, id: 'delivered' },
    { key: 'bulk.figure.bounced', value: f.bounced, id: 'bounced' },
    { key: 'bulk.figure.dropped', value: f.dropped, id: 'dropped' },
    { key: 'bulk.figure.perMinute', value: send.perMinute, id: 'perMinute' },
  ];
  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Flex gap={4} alignItems="center">
        <Box flex="1">
          <ProgressTrack percent={f.percent} label={t('bulk.progress.label', { percent: f.percent })} />
        </Box>
        <Typography data-bulk-progress={f.percent}>
          {t('bulk.progress.value', { done: formatNumber(f.done), total: formatNumber(f.total), percent: f.percent })}
        </Typography>
      </Flex>
      <Grid.Root gap={4}>
        {cells.map((cell) => (
          <Grid.Item key={cell.id} col={2} s={4} xs={6} direction="column" alignItems="stretch">
            <Box background="neutral100" hasRadius padding={3} data-bulk-figure={cell.id}>
              <Typography variant="sigma" textColor="neutral600" tag="div">
                {t(cell.key)}
              </Typography>
              <Typography variant="beta" tag="div" data-value>
                {formatNumber(cell.value)}
              </Typography>
            </Box>
          </Grid.Item>
        ))}
      </Grid.Root>
      {send.cancelledCount > 0 || send.withoutAddress > 0 ? (
        <Typography textColor="neutral600">
          {t('bulk.figure.notQueued', { cancelled: send.cancelledCount, withoutAddress: send.withoutAddress })}
        </Typography>
      ) : null}
    </Flex>
  );
}

/** Pause, resume and cancel, as the send's status allows and the editor may; cancel asks first. */
function Actions({ send, onDone }: { send: BulkSendView; onDone: () => void }): JSX.Element | null {
  const t = useT();
  const can = useCan();
  const act = useBulkAction();
  const { toggleNotification } = useNotification();
  const [busy, setBusy] = React.useState(false);
  if (!can.bulkSend) return null;
  const run = async (action: BulkAction): Promise<void> => {
    setBusy(true);
    try {
      await act(send.id, action);
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('state.error') });
    } finally {
      setBusy(false);
      onDone();
    }
  };
  return (
    <Flex gap={2}>
      {canPause(send.status) ? (
        <Button variant="secondary" disabled={busy} onClick={() => void run('pause')}>
          {t('bulk.action.pause')}
        </Button>
      ) : null}
      {canResume(send.status) ? (
        <Button startIcon={<Play />} disabled={busy} onClick={() => void run('resume')}>
          {t('bulk.action.resume')}
        </Button>
      ) : null}
      {canCancel(send.status) ? (
        <Dialog.Root>
          <Dialog.Trigger>
            <Button variant="danger-light" startIcon={<Cross />} disabled={busy}>
              {t('bulk.action.cancel')}
            </Button>
          </Dialog.Trigger>
          <Dialog.Content>
            <Dialog.Header>{t('bulk.action.cancel')}</Dialog.Header>
            <Dialog.Body>{t('bulk.action.cancelConfirm', { count: send.counts.queued })}</Dialog.Body>
            <Dialog.Footer>
              <Dialog.Cancel>
                <Button variant="tertiary">{t('bulk.action.keep')}</Button>
              </Dialog.Cancel>
              <Dialog.Action>
                <Button variant="danger" onClick={() => void run('cancel')}>
                  {t('bulk.action.cancelConfirmButton')}
                </Button>
              </Dialog.Action>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Root>
      ) : null}
    </Flex>
  );
}

/** One bulk send, watched: progress, figures, why it paused, its mailbox providers; polled while it runs. */
export function BulkSendPage(): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const can = useCan();
  const { id = '' } = useParams<{ id: string }>();
  const categoryName = useCategoryName();
  const [active, setActive] = React.useState(true);
  const send = useApi<BulkSendView>(`/bulk-sends/${encodeURIComponent(id)}`, { pollingMs: active ? POLL_MS : 0 });
  const providers = useApi<MailboxProviderRow[]>(can.readReports ? `/bulk-sends/${encodeURIComponent(id)}/mailbox-providers` : null, {
    pollingMs: active ? POLL_MS * 5 : 0,
  });
  const data = send.data;
  React.useEffect(() => setActive(data ? isActive(data.status) : true), [data]);
  const subtitle = data
    ? t('bulk.send.subtitle', {
        channel: t(channelKey(data.channel)),
        created: data.createdAt ? formatDate(data.createdAt, { dateStyle: 'medium', timeStyle: 'short' }) : '-',
      })
    : undefined;
  return (
    <Page.Main>
      <Page.Title>{data?.sourceName ?? t('bulk.title')}</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={`${PLUGIN_PATH}/bulk`} />}
        title={data?.sourceName ?? t('bulk.title')}
        subtitle={subtitle}
        secondaryAction={data ? <BulkStatusBadge status={data.status} /> : undefined}
        primaryAction={data ? <Actions send={data} onDone={send.refetch} /> : undefined}
      />
      <Layouts.Content>
        {send.error && !data ? (
          <ErrorState error={send.error} onRetry={send.refetch} />
        ) : !data ? (
          <LoadingState />
        ) : (
          <Flex direction="column" alignItems="stretch" gap={6}>
            {data.category ? (
              <Typography textColor="neutral700" data-bulk-category={data.category}>
                {t('bulk.send.category', { category: categoryName(data.category) })}
              </Typography>
            ) : null}
            {data.pause && data.status === 'paused' ? <PauseNotice pause={data.pause} /> : null}
            <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
              <Figures send={data} />
            </Box>
            {providers.data && providers.data.length > 0 ? (
              <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
                <Flex direction="column" alignItems="stretch" gap={4}>
                  <Typography variant="delta" tag="h2">
                    {t('mailbox.title')}
                  </Typography>
                  <MailboxProvidersTable
                    rows={providers.data.map((row) => ({ provider: row.provider, domain: row.domain, viaMx: row.viaMx, counts: row.counts }))}
                  />
                </Flex>
              </Box>
            ) : null}
          </Flex>
        )}
      </Layouts.Content>
    </Page.Main>
  );
}
