import { Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { query, useApi, type Channel, type ConsentEntryView, type ConsentParams } from '../utils/api';
import { useT, type TranslationKey } from '../utils/translations';

const ACTION_KEYS: Record<ConsentEntryView['action'], TranslationKey> = {
  opt_out: 'consent.action.opt_out',
  opt_in: 'consent.action.opt_in',
  help: 'consent.action.help',
};

/** A number's consent history under its card in Full Logs: each STOP, START and HELP, when, by whom, and the words sent. */
export function ConsentHistory({ channel, address }: { channel: Channel; address: string }): JSX.Element | null {
  const t = useT();
  const { formatDate } = useIntl();
  const history = useApi<ConsentEntryView[]>(`/consent${query<ConsentParams>({ channel, address })}`);
  const entries = history.data ?? [];
  if (entries.length === 0) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={1} data-consent-history={address}>
      <Typography variant="sigma" textColor="neutral600">
        {t('consent.title')}
      </Typography>
      {entries.map((entry) => (
        <Typography key={entry.documentId} variant="pi" textColor="neutral800" data-consent-action={entry.action}>
          {t('consent.entry', {
            date: formatDate(entry.occurredAt, { dateStyle: 'medium', timeStyle: 'short' }),
            action: t(ACTION_KEYS[entry.action]),
            actor: entry.actor === 'student' ? t('consent.byStudent') : (entry.actor ?? '-'),
            words: entry.words ?? '',
          })}
        </Typography>
      ))}
    </Flex>
  );
}
