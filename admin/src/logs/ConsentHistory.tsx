import { Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { query, useApi, type Channel, type ConsentEntryView, type ConsentParams } from '../utils/api';
import { PROVIDERS, type ProviderName } from '../../../server/src/core/events';
import { useT, type TranslationKey } from '../utils/translations';

const ACTION_KEYS: Record<ConsentEntryView['action'], TranslationKey> = {
  opt_out: 'consent.action.opt_out',
  opt_in: 'consent.action.opt_in',
  help: 'consent.action.help',
};

/** A number's consent history under its card in Full Logs: each STOP, START and HELP, when, by whom, and the words sent; and opt-outs the provider reported. */
export function ConsentHistory({ channel, address }: { channel: Channel; address: string }): JSX.Element | null {
  const t = useT();
  const { formatDate } = useIntl();
  const providerLabel = (provider: string | null): string =>
    provider && (PROVIDERS as readonly string[]).includes(provider) ? t(`reason.provider.${provider as ProviderName}`) : (provider ?? '-');
  const history = useApi<ConsentEntryView[]>(`/consent${query<ConsentParams>({ channel, address })}`);
  const entries = history.data ?? [];
  if (entries.length === 0) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={1} data-consent-history={address}>
      <Typography variant="sigma" textColor="neutral600">
        {t('consent.title')}
      </Typography>
      {entries.map((entry) => {
        const date = formatDate(entry.occurredAt, { dateStyle: 'medium', timeStyle: 'short' });
        const action = t(ACTION_KEYS[entry.action]);
        return (
          <Typography key={entry.documentId} variant="pi" textColor="neutral800" data-consent-action={entry.action} data-consent-via={entry.via}>
            {entry.via === 'provider_report'
              ? t('consent.entryReported', { date, action, provider: providerLabel(entry.provider) })
              : t('consent.entry', { date, action, actor: entry.actor === 'student' ? t('consent.byStudent') : (entry.actor ?? '-'), words: entry.words ?? '' })}
          </Typography>
        );
      })}
    </Flex>
  );
}
