import { Box, Flex, Grid, SingleSelect, SingleSelectOption, Table, Tbody, Td, TextInput, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { useSearchParams } from 'react-router-dom';
import { query, useApi, type Report, type ReportParams, type ReportTotals } from '../utils/api';
import { EmptyState, ErrorState, LoadingState } from '../utils/States';
import { CHANNELS, channelKey, type Channel } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';
import { DeliveryChart } from './DeliveryChart';
import { CriticalReach } from './CriticalReach';
import { BreakerPauses } from './BreakerPauses';
import { Unsubscribes } from './Unsubscribes';
import { MailboxProvidersSection } from './MailboxProvidersTable';

const PRESETS = { '7': 7, '30': 30, '90': 90, '365': 365 } as const;
type Preset = keyof typeof PRESETS | 'custom';
const PRESET_KEYS: Record<Preset, TranslationKey> = {
  '7': 'reports.period.7',
  '30': 'reports.period.30',
  '90': 'reports.period.90',
  '365': 'reports.period.365',
  custom: 'reports.period.custom',
};

/** A local calendar date as YYYY-MM-DD. */
export function localDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function presetRange(days: number, today = new Date()): { from: string; to: string } {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: localDay(from), to: localDay(today) };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The reader's time zone, by name, so that the server can follow its daylight-saving changes
 * across the period (today's offset is wrong for half the year). A browser that cannot name its
 * zone sends today's offset, as before.
 */
export function readerZone(): Pick<ReportParams, 'tz' | 'tzOffset'> {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return tz ? { tz } : { tzOffset: -new Date().getTimezoneOffset() };
}

interface Card {
  key: TranslationKey;
  value: number;
  rate?: { key: TranslationKey; value: number | null };
  /** Said under the number when there is no rate. */
  hint?: TranslationKey;
  status?: string;
}

function cards(totals: ReportTotals): Card[] {
  return [
    { key: 'reports.total.sent', value: totals.attempted, hint: 'reports.total.sentHint' },
    { key: 'reports.total.delivered', value: totals.delivered, rate: { key: 'reports.rate.delivery', value: totals.deliveryRate }, status: 'delivered' },
    { key: 'reports.total.deferred', value: totals.deferred, hint: 'reports.total.deferredHint', status: 'deferred' },
    { key: 'reports.total.bounced', value: totals.bounced, rate: { key: 'reports.rate.bounce', value: totals.bounceRate }, status: 'bounced' },
    { key: 'reports.total.dropped', value: totals.dropped, rate: { key: 'reports.rate.drop', value: totals.dropRate }, status: 'dropped' },
    { key: 'reports.total.failed', value: totals.failed, rate: { key: 'reports.rate.failure', value: totals.failureRate }, status: 'failed' },
    { key: 'reports.total.complained', value: totals.complained, rate: { key: 'reports.rate.complaint', value: totals.complaintRate }, status: 'complained' },
  ];
}

/**
 * Reports: sent, delivered, deferred, bounced, dropped, failed and complained, by channel, over a
 * chosen period, as a chart over time and as totals with the rates. The server answers from one
 * grouped query, so the page costs the same with a hundred messages or millions.
 */
export function ReportsPage(): JSX.Element {
  const t = useT();
  const { formatNumber } = useIntl();
  const [params, setParams] = useSearchParams();
  const preset: Preset = (params.get('period') as Preset | null) ?? '30';
  const channel = (CHANNELS as readonly string[]).includes(params.get('channel') ?? '') ? (params.get('channel') as Channel) : null;
  const fallback = presetRange(30);
  const range =
    preset === 'custom'
      ? { from: params.get('from') ?? fallback.from, to: params.get('to') ?? fallback.to }
      : presetRange(PRESETS[preset as keyof typeof PRESETS] ?? 30);
  const valid = DAY.test(range.from) && DAY.test(range.to) && range.from <= range.to;
  const report = useApi<Report>(valid ? `/reports${query<ReportParams>({ from: range.from, to: range.to, channel, ...readerZone() })}` : null);

  const update = (changes: Record<string, string | null>): void => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };
  const percent = (value: number | null): string => (value === null ? '–' : formatNumber(value, { style: 'percent', maximumFractionDigits: 1 }));

  const data = report.data;
  return (
    <Page.Main>
      <Page.Title>{t('reports.title')}</Page.Title>
      <Layouts.Header title={t('reports.title')} subtitle={t('reports.subtitle')} />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <Flex gap={3} wrap="wrap" alignItems="flex-end">
            <Box minWidth="20rem">
              <SingleSelect
                aria-label={t('reports.period.label')}
                value={preset}
                onChange={(value: string | number) =>
                  update(value === 'custom' ? { period: 'custom', from: range.from, to: range.to } : { period: String(value), from: null, to: null })
                }
              >
                {(Object.keys(PRESET_KEYS) as Preset[]).map((p) => (
                  <SingleSelectOption key={p} value={p}>
                    {t(PRESET_KEYS[p])}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
            {preset === 'custom' ? (
              <>
                <TextInput type="date" aria-label={t('reports.from')} value={range.from} onChange={(e: React.ChangeEvent<HTMLInputElement>) => update({ from: e.target.value })} />
                <TextInput type="date" aria-label={t('reports.to')} value={range.to} onChange={(e: React.ChangeEvent<HTMLInputElement>) => update({ to: e.target.value })} />
              </>
            ) : null}
            <Box minWidth="20rem">
              <SingleSelect aria-label={t('reports.channel')} value={channel ?? 'all'} onChange={(value: string | number) => update({ channel: value === 'all' ? null : String(value) })}>
                <SingleSelectOption value="all">{t('reports.allChannels')}</SingleSelectOption>
                {CHANNELS.map((c) => (
                  <SingleSelectOption key={c} value={c}>
                    {t(channelKey(c))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
          </Flex>

          {!valid ? (
            <ErrorState error={new Error(t('reports.invalidRange'))} />
          ) : report.error && !data ? (
            <ErrorState error={report.error} onRetry={report.refetch} />
          ) : !data ? (
            <LoadingState />
          ) : (
            <Flex direction="column" alignItems="stretch" gap={6} aria-busy={report.isLoading} style={{ opacity: report.isLoading ? 0.6 : 1 }}>
              <Grid.Root gap={4}>
                {cards(data.totals).map((card) => (
                  <Grid.Item key={card.key} col={3} s={6} xs={12} direction="column" alignItems="stretch">
                    <Box background="neutral0" hasRadius shadow="tableShadow" padding={4} data-total={card.status ?? 'sent'}>
                      <Typography variant="sigma" textColor="neutral600" tag="div">
                        {t(card.key)}
                      </Typography>
                      <Typography variant="alpha" tag="div" data-value>
                        {formatNumber(card.value)}
                      </Typography>
                      {card.rate ? (
                        <Typography variant="pi" textColor="neutral600" tag="div">
                          {t(card.rate.key, { rate: percent(card.rate.value) })}
                        </Typography>
                      ) : card.hint ? (
                        <Typography variant="pi" textColor="neutral600" tag="div">
                          {t(card.hint)}
                        </Typography>
                      ) : null}
                    </Box>
                  </Grid.Item>
                ))}
              </Grid.Root>

              <CriticalReach from={range.from} to={range.to} zone={readerZone()} />

              <BreakerPauses from={range.from} to={range.to} zone={readerZone()} />

              {/* Unsubscribes are email's: a text's STOP is an SMS opt-out, which this report does not count. */}
              {channel !== 'sms' ? <Unsubscribes from={range.from} to={range.to} zone={readerZone()} /> : null}

              <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
                <Flex direction="column" alignItems="stretch" gap={4}>
                  <Typography variant="delta" tag="h2">
                    {t('reports.chart.title')}
                  </Typography>
                  {data.totals.total === 0 ? <EmptyState content={t('reports.empty')} /> : <DeliveryChart days={data.days} channel={channel} />}
                </Flex>
              </Box>

              <Table colCount={10} rowCount={4}>
                <Thead>
                  <Tr>
                    {(
                      [
                        'reports.table.channel',
                        'reports.table.total',
                        'reports.total.sent',
                        'reports.total.delivered',
                        'reports.total.deferred',
                        'reports.total.bounced',
                        'reports.total.dropped',
                        'reports.total.failed',
                        'reports.total.complained',
                        'reports.table.rates',
                      ] as TranslationKey[]
                    ).map((key) => (
                      <Th key={key}>
                        <Typography variant="sigma">{t(key)}</Typography>
                      </Th>
                    ))}
                  </Tr>
                </Thead>
                <Tbody>
                  {[...CHANNELS.filter((c) => channel === null || c === channel).map((c) => ({ label: t(channelKey(c)), totals: data.byChannel[c], id: c })), ...(channel === null ? [{ label: t('reports.table.all'), totals: data.totals, id: 'all' }] : [])].map(
                    (row) => (
                      <Tr key={row.id} data-channel-row={row.id}>
                        <Td>
                          <Typography fontWeight="semiBold">{row.label}</Typography>
                        </Td>
                        {[row.totals.total, row.totals.attempted, row.totals.delivered, row.totals.deferred, row.totals.bounced, row.totals.dropped, row.totals.failed, row.totals.complained].map((n, i) => (
                          <Td key={i}>
                            <Typography>{formatNumber(n)}</Typography>
                          </Td>
                        ))}
                        <Td>
                          <Typography variant="pi" textColor="neutral700">
                            {t('reports.table.ratesValue', { bounce: percent(row.totals.bounceRate), failure: percent(row.totals.failureRate) })}
                          </Typography>
                        </Td>
                      </Tr>
                    ),
                  )}
                </Tbody>
              </Table>

              {channel !== 'sms' ? <MailboxProvidersSection path={`/reports/mailbox-providers${query<ReportParams>({ from: range.from, to: range.to, ...readerZone() })}`} /> : null}
            </Flex>
          )}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}
