import { Box, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { query, useApi, type ReportParams, type UnsubscribeReport } from '../utils/api';
import { EmptyState, ErrorState } from '../utils/States';
import { useT, type TranslationKey } from '../utils/translations';
import { FigureGrid, type PeriodProps } from './Figures';

type Way = keyof Pick<UnsubscribeReport, 'oneClick' | 'reportedByProviders'>;

/**
 * How an address came to be unsubscribed, as far as the report tells them apart. Both are shown,
 * a zero too: "none by the link" is an answer an editor looks for. Half the width each: their
 * labels are longer than CriticalReach's.
 */
const WAYS: { key: TranslationKey; field: Way }[] = [
  { key: 'reports.unsubscribes.oneClick', field: 'oneClick' },
  { key: 'reports.unsubscribes.reportedByProviders', field: 'reportedByProviders' },
];

/**
 * Addresses unsubscribed in the period (GET /reports/unsubscribes): how many, and how they came,
 * by the one-click link of our List-Unsubscribe header or otherwise (a provider's report or list,
 * an editor's suppression import: the report counts those together).
 */
export function Unsubscribes({ from, to, zone }: PeriodProps): JSX.Element | null {
  const t = useT();
  const { formatNumber } = useIntl();
  const report = useApi<UnsubscribeReport>(`/reports/unsubscribes${query<ReportParams>({ from, to, ...zone })}`);
  if (report.error && !report.data) return <ErrorState error={report.error} onRetry={report.refetch} />;
  const data = report.data;
  if (!data) return null;
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-unsubscribes={data.total}>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('reports.unsubscribes.title', { total: formatNumber(data.total) })}
        </Typography>
        {data.total === 0 ? (
          <EmptyState content={t('reports.unsubscribes.none')} />
        ) : (
          <FigureGrid
            figures={WAYS.map(({ key, field }) => ({ key, id: field, value: data[field] }))}
            attribute="data-unsubscribe-way"
            columns={6}
          />
        )}
      </Flex>
    </Box>
  );
}
