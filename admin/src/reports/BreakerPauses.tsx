import { Box, Flex, Link, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { Link as RouterLink } from 'react-router-dom';
import { BulkStatusBadge, useTripText } from '../bulk/BulkSendPage';
import { PLUGIN_PATH } from '../pluginId';
import { query, useApi, type BreakerPauseReport, type ReportParams } from '../utils/api';
import { EmptyState, ErrorState } from '../utils/States';
import { channelKey } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';
import type { PeriodProps } from './Figures';

const HEADERS: TranslationKey[] = [
  'reports.breaker.send',
  'reports.breaker.pausedAt',
  'reports.breaker.figures',
  'reports.breaker.statusNow',
];

/**
 * Bulk sends that their breaker paused in the period (GET /reports/breaker-pauses), each with the
 * figures that tripped it and a link to the send; a send tripped twice shows twice.
 */
export function BreakerPauses({ from, to, zone }: PeriodProps): JSX.Element | null {
  const t = useT();
  const { formatNumber, formatDate } = useIntl();
  const tripText = useTripText();
  const report = useApi<BreakerPauseReport>(`/reports/breaker-pauses${query<ReportParams>({ from, to, ...zone })}`);
  if (report.error && !report.data) return <ErrorState error={report.error} onRetry={report.refetch} />;
  const data = report.data;
  if (!data) return null;
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-breaker-pauses={data.total}>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('reports.breaker.title', { total: formatNumber(data.total) })}
        </Typography>
        {data.total === 0 ? (
          <EmptyState content={t('reports.breaker.none')} />
        ) : (
          <Table colCount={HEADERS.length} rowCount={data.rows.length + 1}>
            <Thead>
              <Tr>
                {HEADERS.map((key) => (
                  <Th key={key}>
                    <Typography variant="sigma">{t(key)}</Typography>
                  </Th>
                ))}
              </Tr>
            </Thead>
            <Tbody>
              {data.rows.map((row) => (
                <Tr key={`${row.bulkSendId}:${row.pausedAt}`} data-breaker-pause={row.bulkSendId}>
                  <Td>
                    <Link tag={RouterLink} to={`${PLUGIN_PATH}/bulk/${row.bulkSendId}`}>
                      {row.sourceName ?? row.bulkSendId}
                    </Link>
                    {row.channel ? (
                      <Typography variant="pi" textColor="neutral600" tag="div">
                        {t(channelKey(row.channel))}
                      </Typography>
                    ) : null}
                  </Td>
                  <Td>
                    <Typography>{formatDate(row.pausedAt, { dateStyle: 'medium', timeStyle: 'short' })}</Typography>
                  </Td>
                  <Td>
                    <Typography data-breaker-trip={row.trip.metric} style={{ whiteSpace: 'normal' }}>
                      {tripText(row.trip)}
                    </Typography>
                  </Td>
                  <Td>{row.status ? <BulkStatusBadge status={row.status} /> : <Typography>–</Typography>}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
        {data.total > data.rows.length ? (
          <Typography variant="pi" textColor="neutral600">
            {t('reports.breaker.more', { shown: data.rows.length, total: data.total })}
          </Typography>
        ) : null}
      </Flex>
    </Box>
  );
}
