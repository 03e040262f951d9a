import { Accordion, Badge, Box, Button, Flex, Grid, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { ArrowClockwise, Pencil } from '@strapi/icons';
import { useIntl } from 'react-intl';
import type { AuditView, EventView, LogView } from '../utils/api';
import { channelKey, sourceKey } from '../utils/status';
import { useReasonText } from '../utils/reasons';
import { useT, type Translate, type TranslationKey } from '../utils/translations';
import { eventKindKey, eventOutcomeKey, isReclassifiable } from './eventLabels';
import { MessageStatusBadge } from './MessageStatusBadge';

export interface TimelineProps {
  logs: LogView[];
  /** The user may retry messages (RBAC); retryable messages then get a "Retry now" button. */
  canRetry: boolean;
  onRetry?: (log: LogView) => void;
  /** The message being retried right now. */
  retrying?: string | null;
  /** A message to show opened. */
  defaultOpen?: string;
  /** Given when the user may re-classify events (RBAC): refusals then get a "Re-classify" button. */
  onReclassify?: (event: EventView) => void;
}

type DateFormatter = (value: string | null) => string;

function useDates(): { short: DateFormatter; precise: DateFormatter } {
  const { formatDate } = useIntl();
  return {
    short: (value) => (value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'short' }) : '-'),
    precise: (value) => (value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'medium' }) : '-'),
  };
}

/** One line about a message: when, how, to where, from what, how many attempts. */
function describe(log: LogView, t: Translate, short: DateFormatter): string {
  const parts = [
    short(log.createdAt),
    t(log.channel === 'email' ? 'timeline.to.email' : 'timeline.to.sms', { address: log.address }),
    log.sourceName ? t('timeline.sourceNamed', { source: t(sourceKey(log.source)), name: log.sourceName }) : t(sourceKey(log.source)),
    t('timeline.attempts', { count: log.attempts }),
  ];
  return parts.join(' · ');
}

/** What an editor recognises a message by: its subject, else the touchpoint or grab that sent it. */
function titleOf(log: LogView, t: Translate): string {
  return log.subject ?? log.sourceName ?? t(log.channel === 'email' ? 'timeline.untitled.email' : 'timeline.untitled.sms');
}

function Detail({ label, children }: { label: string; children: React.ReactNode }): JSX.Element {
  return (
    <Grid.Item col={4} s={6} xs={12} direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="sigma" textColor="neutral600">
        {label}
      </Typography>
      <Typography textColor="neutral800" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Typography>
    </Grid.Item>
  );
}

/** The other end of a fallback: the message sent on the other channel in this one's place, or the one this stands in for. */
function FallbackLink({ log }: { log: LogView }): JSX.Element | null {
  const t = useT();
  const other = t(channelKey(log.channel === 'email' ? 'sms' : 'email'));
  if (log.fallbackMessage) {
    return (
      <Detail label={t('timeline.detail.fallback')}>
        <span data-fallback-message={log.fallbackMessage}>{t('timeline.fallback.sent', { channel: other, id: log.fallbackMessage })}</span>
      </Detail>
    );
  }
  if (log.fallbackOf) {
    return (
      <Detail label={t('timeline.detail.fallback')}>
        <span data-fallback-of={log.fallbackOf}>{t('timeline.fallback.of', { channel: other, id: log.fallbackOf })}</span>
      </Detail>
    );
  }
  return null;
}

const AUDIT_KEYS: Record<string, TranslationKey> = { 'retry-message': 'timeline.audit.retry', 'reclassify-event': 'timeline.audit.reclassify' };

type HistoryRow = { type: 'event'; at: string | null; event: EventView } | { type: 'audit'; at: string | null; entry: AuditView };

/** Provider events and manual actions in the order they happened. */
export function historyOf(log: LogView): HistoryRow[] {
  const rows: HistoryRow[] = [
    ...log.events.map((event) => ({ type: 'event' as const, at: event.occurredAt, event })),
    ...log.audit.map((entry) => ({ type: 'audit' as const, at: entry.createdAt, entry })),
  ];
  // Stable: equal times keep the server's order (an attempt before the report about it).
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => (Date.parse(a.row.at ?? '') || 0) - (Date.parse(b.row.at ?? '') || 0) || a.index - b.index)
    .map(({ row }) => row);
}

/** Everything about one message: its details, then every attempt and provider event with the raw code and the plugin's reason. */
export function MessageHistory({ log, onReclassify }: { log: LogView; onReclassify?: (event: EventView) => void }): JSX.Element {
  const t = useT();
  const { short, precise } = useDates();
  const reasonText = useReasonText();
  const statusReason = reasonText(log.statusReasonData, log.statusReason);
  const history = historyOf(log);
  return (
    <Flex direction="column" alignItems="stretch" gap={4} padding={4}>
      <Grid.Root gap={4}>
        <Detail label={t('timeline.detail.channel')}>{t(channelKey(log.channel))}</Detail>
        <Detail label={t('timeline.detail.address')}>{log.address}</Detail>
        <Detail label={t('timeline.detail.source')}>{log.sourceName ? `${t(sourceKey(log.source))}: ${log.sourceName}` : t(sourceKey(log.source))}</Detail>
        <Detail label={t('timeline.detail.provider')}>{log.provider ?? '-'}</Detail>
        <Detail label={t('timeline.detail.providerMessageId')}>{log.providerMessageId ?? '-'}</Detail>
        <Detail label={t('timeline.detail.attempts')}>{String(log.attempts)}</Detail>
        <Detail label={t('timeline.detail.created')}>{short(log.createdAt)}</Detail>
        {log.nextAttemptAt ? <Detail label={t('timeline.detail.nextAttempt')}>{short(log.nextAttemptAt)}</Detail> : null}
        {log.lastError ? <Detail label={t('timeline.detail.lastError')}>{log.lastError}</Detail> : null}
        {log.category ? <Detail label={t('timeline.detail.category')}>{log.category}</Detail> : null}
        <FallbackLink log={log} />
      </Grid.Root>
      {statusReason ? (
        <Box background="neutral100" padding={3} hasRadius>
          <Typography variant="omega" textColor="neutral800">
            <Typography fontWeight="bold">{t('timeline.why')}</Typography> {statusReason}
          </Typography>
        </Box>
      ) : null}
      {history.length === 0 ? (
        <Typography textColor="neutral600">{t('timeline.history.empty')}</Typography>
      ) : (
        <Table colCount={7} rowCount={history.length + 1}>
          <Thead>
            <Tr>
              <Th>
                <Typography variant="sigma">{t('timeline.history.when')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('timeline.history.what')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('timeline.history.provider')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('timeline.history.code')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('timeline.history.text')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('timeline.history.outcome')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('timeline.history.why')}</Typography>
              </Th>
            </Tr>
          </Thead>
          <Tbody>
            {history.map((row) =>
              row.type === 'event' ? (
                <Tr key={row.event.documentId} data-event-kind={row.event.kind}>
                  <Td>
                    <Typography textColor="neutral800">{precise(row.event.occurredAt)}</Typography>
                  </Td>
                  <Td>
                    <Typography textColor="neutral800" fontWeight="semiBold">
                      {t(eventKindKey(row.event.kind))}
                      {row.event.attempt ? ` · ${t('timeline.history.attempt', { attempt: row.event.attempt })}` : ''}
                    </Typography>
                    {row.event.rawType ? (
                      <Typography variant="pi" textColor="neutral600" tag="div">
                        {row.event.rawType}
                      </Typography>
                    ) : null}
                    {onReclassify && isReclassifiable(row.event) ? (
                      <Button size="S" variant="tertiary" startIcon={<Pencil />} onClick={() => onReclassify(row.event)} data-reclassify={row.event.documentId}>
                        {t('timeline.reclassify')}
                      </Button>
                    ) : null}
                  </Td>
                  <Td>
                    <Typography textColor="neutral800">{row.event.provider ?? '-'}</Typography>
                  </Td>
                  <Td>
                    <Typography textColor="neutral800" fontWeight="semiBold" data-raw-code>
                      {row.event.rawCode ?? '-'}
                    </Typography>
                  </Td>
                  <Td style={{ whiteSpace: 'normal', minWidth: '16rem' }}>
                    <Typography textColor="neutral800">{row.event.rawText ?? '-'}</Typography>
                  </Td>
                  <Td>
                    <Badge size="S">{t(eventOutcomeKey(row.event.outcome))}</Badge>
                  </Td>
                  <Td style={{ whiteSpace: 'normal', minWidth: '20rem' }}>
                    <Typography textColor="neutral800">{reasonText(row.event.reasonData, row.event.reason) ?? '-'}</Typography>
                  </Td>
                </Tr>
              ) : (
                <Tr key={row.entry.documentId} data-audit-action={row.entry.action}>
                  <Td>
                    <Typography textColor="neutral800">{precise(row.entry.createdAt)}</Typography>
                  </Td>
                  <Td>
                    <Typography textColor="neutral800" fontWeight="semiBold">
                      {t(AUDIT_KEYS[row.entry.action] ?? 'timeline.audit.other')}
                    </Typography>
                  </Td>
                  <Td colSpan={5} style={{ whiteSpace: 'normal' }}>
                    <Typography textColor="neutral800">
                      {t('timeline.audit.by', { name: row.entry.actorName ?? '-' })}
                      {row.entry.reason ? ` · ${row.entry.reason}` : ''}
                    </Typography>
                  </Td>
                </Tr>
              ),
            )}
          </Tbody>
        </Table>
      )}
    </Flex>
  );
}

/**
 * Full Logs: every message to a student, newest first, one row each with its status, source,
 * channel, address and attempts; opened, its whole history.
 */
export function Timeline({ logs, canRetry, onRetry, retrying = null, defaultOpen, onReclassify }: TimelineProps): JSX.Element {
  const t = useT();
  const { short } = useDates();
  return (
    <Accordion.Root size="M" defaultValue={defaultOpen}>
      {logs.map((log) => (
        <Accordion.Item key={log.documentId} value={log.documentId} data-log-id={log.documentId} data-log-status={log.status}>
          <Accordion.Header>
            <Accordion.Trigger description={describe(log, t, short)}>{titleOf(log, t)}</Accordion.Trigger>
            <Accordion.Actions>
              <Flex gap={2} paddingRight={2}>
                {log.fallbackOf ? <Badge size="S">{t('timeline.fallback.badge')}</Badge> : null}
                <MessageStatusBadge status={log.status} />
                {canRetry && log.retryable && onRetry ? (
                  <Button
                    size="S"
                    variant="secondary"
                    startIcon={<ArrowClockwise />}
                    loading={retrying === log.documentId}
                    disabled={retrying !== null}
                    onClick={() => onRetry(log)}
                  >
                    {t('timeline.retry')}
                  </Button>
                ) : null}
              </Flex>
            </Accordion.Actions>
          </Accordion.Header>
          <Accordion.Content>
            <MessageHistory log={log} onReclassify={onReclassify} />
          </Accordion.Content>
        </Accordion.Item>
      ))}
    </Accordion.Root>
  );
}
