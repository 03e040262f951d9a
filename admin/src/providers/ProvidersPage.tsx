import { Alert, Badge, Box, Flex, Grid, IconButton, Typography } from '@strapi/design-system';
import { Duplicate } from '@strapi/icons';
import { Layouts, Page, useClipboard, useNotification } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { SuppressionSyncPanel } from '../sync/SuppressionSyncPanel';
import { useApi, type ProviderHealth, type ProvidersReport } from '../utils/api';
import { ErrorState, LoadingState } from '../utils/States';
import { channelKey } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';

const NAME_KEYS: Record<string, TranslationKey> = {
  sendgrid: 'providers.name.sendgrid',
  mailgun: 'providers.name.mailgun',
  postmark: 'providers.name.postmark',
  ses: 'providers.name.ses',
  twilio: 'providers.name.twilio',
  vonage: 'providers.name.vonage',
};

function StateBadge({ provider }: { provider: ProviderHealth }): JSX.Element {
  const t = useT();
  if (provider.configured) return <Badge variant="success">{t('providers.state.configured')}</Badge>;
  if (provider.acceptsUnsigned) return <Badge variant="warning">{t('providers.state.unsigned')}</Badge>;
  return <Badge>{t('providers.state.notConfigured')}</Badge>;
}

function Fact({ label, children }: { label: string; children: React.ReactNode }): JSX.Element {
  return (
    <Flex gap={2} alignItems="baseline" wrap="wrap">
      <Typography variant="sigma" textColor="neutral600">
        {label}
      </Typography>
      <Typography textColor="neutral800">{children}</Typography>
    </Flex>
  );
}

/**
 * Providers: whether each provider's reports are accepted (its secret set, or unsigned for local
 * testing), when its last event came, how many of its requests were refused, and the exact URL
 * to paste into its console. Secrets are never shown, only whether they are set.
 */
export function ProvidersPage(): JSX.Element {
  const t = useT();
  const { formatDate, formatNumber } = useIntl();
  const { copy } = useClipboard();
  const { toggleNotification } = useNotification();
  const report = useApi<ProvidersReport>('/providers');
  const date = (value: string | null): string => (value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'short' }) : t('providers.never'));

  async function copyUrl(url: string): Promise<void> {
    const copied = await copy(url);
    if (copied) toggleNotification({ type: 'info', message: t('providers.copied') });
  }

  return (
    <Page.Main>
      <Page.Title>{t('providers.title')}</Page.Title>
      <Layouts.Header title={t('providers.title')} subtitle={t('providers.subtitle')} />
      <Layouts.Content>
        {report.error && !report.data ? (
          <ErrorState error={report.error} onRetry={report.refetch} />
        ) : !report.data ? (
          <LoadingState />
        ) : (
          <Flex direction="column" alignItems="stretch" gap={4}>
            {!report.data.publicUrlConfigured ? (
              <Alert variant="warning" title={t('providers.publicUrl.title')} closeLabel={t('common.close')}>
                {t('providers.publicUrl.body', { url: report.data.baseUrl })}
              </Alert>
            ) : null}
            <Typography textColor="neutral600">
              {t('providers.sending', {
                email: report.data.sending.email ?? '-',
                sms: report.data.sending.sms ?? '-',
              })}
            </Typography>
            <Grid.Root gap={4}>
              {report.data.providers.map((p) => (
                <Grid.Item key={p.name} col={6} s={12} direction="column" alignItems="stretch">
                  <Box background="neutral0" hasRadius shadow="tableShadow" padding={5} height="100%" data-provider={p.name}>
                    <Flex direction="column" alignItems="stretch" gap={3}>
                      <Flex justifyContent="space-between" gap={2}>
                        <Flex direction="column" alignItems="flex-start">
                          <Typography variant="delta" tag="h2">
                            {NAME_KEYS[p.name] ? t(NAME_KEYS[p.name]) : p.name}
                          </Typography>
                          <Typography variant="pi" textColor="neutral600">
                            {t(channelKey(p.channel))}
                          </Typography>
                        </Flex>
                        <StateBadge provider={p} />
                      </Flex>
                      <Fact label={t('providers.col.secret')}>
                        <span style={{ wordBreak: 'break-word' }}>{t(p.configured ? 'providers.secret.present' : 'providers.secret.missing', { variable: p.secretVariable })}</span>
                      </Fact>
                      <Fact label={t('providers.col.lastEvent')}>{date(p.lastEventAt)}</Fact>
                      <Fact label={t('providers.col.refused')}>
                        {formatNumber(p.refused.count)}
                        {p.refused.lastAt ? ` · ${t('providers.refused.last', { date: date(p.refused.lastAt), status: p.refused.lastStatus ?? '-' })}` : ''}
                      </Fact>
                      <Flex direction="column" alignItems="stretch" gap={1}>
                        <Typography variant="sigma" textColor="neutral600">
                          {t('providers.col.url')}
                        </Typography>
                        <Flex gap={2}>
                          <Box background="neutral100" padding={2} hasRadius grow={1} style={{ wordBreak: 'break-all' }}>
                            <Typography variant="pi" style={{ fontFamily: 'monospace' }} data-webhook-url>
                              {p.webhookUrl}
                            </Typography>
                          </Box>
                          <IconButton label={t('providers.copy')} variant="ghost" onClick={() => void copyUrl(p.webhookUrl)}>
                            <Duplicate />
                          </IconButton>
                        </Flex>
                      </Flex>
                    </Flex>
                  </Box>
                </Grid.Item>
              ))}
            </Grid.Root>
            {report.data.refusalsSince ? (
              <Typography variant="pi" textColor="neutral600">
                {t('providers.refused.since', { date: date(report.data.refusalsSince) })}
              </Typography>
            ) : null}
            <SuppressionSyncPanel />
          </Flex>
        )}
      </Layouts.Content>
    </Page.Main>
  );
}
