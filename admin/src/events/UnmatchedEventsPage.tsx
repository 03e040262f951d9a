import { Box, Flex, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { useSearchParams } from 'react-router-dom';
import { eventKindKey, eventOutcomeKey } from '../logs/eventLabels';
import { query, useApi, type EventView, type Page as PageOf, type UnmatchedOutcome, type UnmatchedParams } from '../utils/api';
import { ListTable, type ListColumn } from '../utils/ListTable';
import { CHANNELS, UNMATCHED_OUTCOMES, channelKey, type Channel } from '../utils/status';
import { useReasonText } from '../utils/reasons';
import { useT } from '../utils/translations';

const PROVIDERS = ['sendgrid', 'mailgun', 'postmark', 'ses', 'twilio', 'vonage', 'sandbox'] as const;


/**
 * Provider events that matched no message: mail sent by another system through the same account,
 * a message deleted since, or a correlation id lost on the way. Kept for diagnosis; an event
 * that names an address still updated that address's state (the reason column says so).
 */
export function UnmatchedEventsPage(): JSX.Element {
  const t = useT();
  const reasonText = useReasonText();
  const { formatDate } = useIntl();
  const [params, setParams] = useSearchParams();
  const provider = (PROVIDERS as readonly string[]).includes(params.get('provider') ?? '') ? params.get('provider') : null;
  const channel = (CHANNELS as readonly string[]).includes(params.get('channel') ?? '') ? (params.get('channel') as Channel) : null;
  const outcome = (UNMATCHED_OUTCOMES as readonly string[]).includes(params.get('outcome') ?? '') ? (params.get('outcome') as UnmatchedOutcome) : null;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const pageSize = Math.min(100, Math.max(1, Number(params.get('pageSize')) || 20));
  const events = useApi<PageOf<EventView>>(`/events/unmatched${query<UnmatchedParams>({ provider, channel, outcome, page, pageSize })}`);

  const update = (name: string, value: string | null): void => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete('page');
    setParams(next);
  };
  const columns: ListColumn<EventView>[] = [
    { header: 'unmatched.col.received', prose: '7rem', cell: (e) => <Typography>{e.receivedAt ? formatDate(e.receivedAt, { dateStyle: 'medium', timeStyle: 'medium' }) : '-'}</Typography> },
    { header: 'unmatched.col.provider', cell: (e) => <Typography>{e.provider ?? '-'}</Typography> },
    {
      header: 'unmatched.col.event',
      cell: (e) => (
        <>
          {/* An unreadable item has no kind of its own: what it is, is that it could not be read. */}
          <Typography fontWeight="semiBold">{t(e.outcome === 'unreadable' ? eventOutcomeKey(e.outcome) : eventKindKey(e.kind))}</Typography>
          <Typography variant="pi" textColor="neutral600" tag="div">
            {e.rawType ?? ''}
          </Typography>
        </>
      ),
    },
    {
      header: 'unmatched.col.address',
      breakAnywhere: true,
      cell: (e) => (
        <>
          <Typography>{e.address ?? '-'}</Typography>
          <Typography variant="pi" textColor="neutral600" tag="div">
            {t(channelKey(e.channel as Channel))}
          </Typography>
        </>
      ),
    },
    { header: 'unmatched.col.messageId', breakAnywhere: true, cell: (e) => <Typography variant="pi">{e.providerMessageId ?? '-'}</Typography> },
    {
      header: 'unmatched.col.code',
      breakAnywhere: true,
      cell: (e) => (
        <>
          <Typography>{e.rawCode ?? '-'}</Typography>
          {e.rawText ? (
            <Typography variant="pi" textColor="neutral600" tag="div">
              {e.rawText}
            </Typography>
          ) : null}
        </>
      ),
    },
    { header: 'unmatched.col.why', prose: '16rem', cell: (e) => <Typography>{reasonText(e.reasonData, e.reason) ?? '-'}</Typography> },
  ];

  return (
    <Page.Main>
      <Page.Title>{t('unmatched.title')}</Page.Title>
      <Layouts.Header title={t('unmatched.title')} subtitle={t('unmatched.subtitle')} />
      <Layouts.Action
        startActions={
          <Flex gap={3}>
            <Box minWidth="18rem">
              <SingleSelect aria-label={t('unmatched.filter.provider')} value={provider ?? 'all'} onChange={(v: string | number) => update('provider', v === 'all' ? null : String(v))}>
                <SingleSelectOption value="all">{t('unmatched.filter.allProviders')}</SingleSelectOption>
                {PROVIDERS.map((p) => (
                  <SingleSelectOption key={p} value={p}>
                    {p}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
            <Box minWidth="18rem">
              <SingleSelect aria-label={t('unmatched.filter.channel')} value={channel ?? 'all'} onChange={(v: string | number) => update('channel', v === 'all' ? null : String(v))}>
                <SingleSelectOption value="all">{t('unmatched.filter.allChannels')}</SingleSelectOption>
                {CHANNELS.map((c) => (
                  <SingleSelectOption key={c} value={c}>
                    {t(channelKey(c))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
            <Box minWidth="18rem">
              <SingleSelect aria-label={t('unmatched.filter.outcome')} value={outcome ?? 'all'} onChange={(v: string | number) => update('outcome', v === 'all' ? null : String(v))}>
                <SingleSelectOption value="all">{t('unmatched.filter.allOutcomes')}</SingleSelectOption>
                {UNMATCHED_OUTCOMES.map((o) => (
                  <SingleSelectOption key={o} value={o}>
                    {t(eventOutcomeKey(o))}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Box>
          </Flex>
        }
      />
      <Layouts.Content>
        <ListTable
          list={events}
          columns={columns}
          rowKey={(e) => e.documentId}
          empty={provider || channel || outcome ? t('unmatched.empty.filtered') : t('unmatched.empty')}
          pageSize={pageSize}
        />
      </Layouts.Content>
    </Page.Main>
  );
}
