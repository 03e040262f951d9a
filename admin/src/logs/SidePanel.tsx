import { Badge, Box, Divider, Flex, LinkButton, Typography } from '@strapi/design-system';
import { List } from '@strapi/icons';
import type { PanelComponent, PanelComponentProps } from '@strapi/content-manager/strapi-admin';
import { useIntl } from 'react-intl';
import { Link as RouterLink } from 'react-router-dom';
import { AddressStatusBadge } from '../badges/AddressStatusBadge';
import { useIsTrackedModel } from '../badges/useTrackedModel';
import { useCan } from '../permissions';
import { query, useApi, type ContactDeliverability, type ContactParams } from '../utils/api';
import { ErrorState, LoadingState } from '../utils/States';
import { addressStateKey, channelKey, CHANNELS } from '../utils/status';
import { useT } from '../utils/translations';
import { fullLogsPath } from './FullLogsAction';
import { MessageStatusBadge } from './MessageStatusBadge';

/** The panel's body: each address and why, the last few messages, counts, and the way to Full Logs. */
export function DeliverabilitySummary({ model, documentId }: { model: string; documentId: string }): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const summary = useApi<ContactDeliverability>(`/contacts/${encodeURIComponent(documentId)}/summary${query<ContactParams>({ type: model })}`);
  if (summary.error) return <ErrorState error={summary.error} onRetry={summary.refetch} />;
  if (!summary.data) return <LoadingState />;
  const { addresses, lastMessages, counts } = summary.data;
  return (
    <Flex direction="column" alignItems="stretch" gap={3} width="100%" data-deliverability-panel>
      {addresses.map((a) => (
        <Flex key={a.channel} direction="column" alignItems="stretch" gap={1}>
          <Flex justifyContent="space-between" gap={2}>
            <Typography variant="sigma" textColor="neutral600">
              {t(channelKey(a.channel))}
            </Typography>
            {a.state === 'active' ? (
              <Badge size="S" variant="success">
                {t(addressStateKey('active'))}
              </Badge>
            ) : (
              <AddressStatusBadge channel={a.channel} state={a.state} reason={a.reason} since={a.since} />
            )}
          </Flex>
          <Typography variant="omega" textColor="neutral800" style={{ overflowWrap: 'anywhere' }}>
            {a.address ?? t('addresses.none')}
          </Typography>
          {a.state !== 'active' && a.reason ? (
            <Typography variant="pi" textColor="neutral600">
              {a.reason}
            </Typography>
          ) : null}
        </Flex>
      ))}
      <Divider />
      <Typography variant="sigma" textColor="neutral600">
        {t('panel.lastMessages')}
      </Typography>
      {lastMessages.length === 0 ? (
        <Typography variant="pi" textColor="neutral600">
          {t('panel.noMessages')}
        </Typography>
      ) : (
        <Flex direction="column" alignItems="stretch" gap={2} tag="ul">
          {lastMessages.map((log) => (
            <Flex key={log.documentId} tag="li" justifyContent="space-between" gap={2}>
              <Box overflow="hidden">
                <Typography variant="omega" textColor="neutral800" ellipsis tag="div">
                  {log.subject ?? log.sourceName ?? t(channelKey(log.channel))}
                </Typography>
                <Typography variant="pi" textColor="neutral600" tag="div">
                  {`${t(channelKey(log.channel))} · ${log.createdAt ? formatDate(log.createdAt, { dateStyle: 'medium' }) : '-'}`}
                </Typography>
              </Box>
              <MessageStatusBadge status={log.status} />
            </Flex>
          ))}
        </Flex>
      )}
      <Typography variant="pi" textColor="neutral600">
        {CHANNELS.map((c) => t('panel.count', { channel: t(channelKey(c)), count: counts[c].total })).join(' · ')}
      </Typography>
      <LinkButton tag={RouterLink} to={fullLogsPath(model, documentId)} variant="secondary" startIcon={<List />} fullWidth>
        {t('panel.openFullLogs')}
      </LinkButton>
    </Flex>
  );
}

/** The edit view's side panel, on tracked contact types, for users who may read logs. */
export const DeliverabilityPanel: PanelComponent = ({ model, documentId }: PanelComponentProps) => {
  const t = useT();
  const can = useCan();
  const tracked = useIsTrackedModel(model);
  if (!tracked || !documentId || !can.readLogs) return null;
  return {
    title: t('panel.title'),
    content: <DeliverabilitySummary model={model} documentId={documentId} />,
  };
};
