import { Badge, Box, Button, Flex, Grid, Typography } from '@strapi/design-system';
import { Mail, Message } from '@strapi/icons';
import { useIntl } from 'react-intl';
import { AddressStatusBadge } from '../badges/AddressStatusBadge';
import type { AddressSummary, VerificationView } from '../utils/api';
import { addressStateKey, channelKey } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';
import { ConsentHistory } from './ConsentHistory';

/** The badge of a verification the student has not confirmed: void (too many wrong codes, or expired) or still pending. */
const verificationStateKey = (v: VerificationView): TranslationKey =>
  v.locked ? 'addresses.verificationLocked' : v.expired ? 'addresses.verificationExpired' : 'addresses.verificationPending';

export interface AddressCardsProps {
  addresses: AddressSummary[];
  canReactivate: boolean;
  onReactivate: (address: AddressSummary) => void;
  /** "Send again" on a pending verification (shown with `canReactivate`); the one in flight waits. */
  onResendVerification?: (verification: VerificationView) => void;
  resendingId?: string | null;
}

/** Each of the student's addresses: its state and why, since when, the provider's code, and who last reactivated it. */
export function AddressCards({ addresses, canReactivate, onReactivate, onResendVerification, resendingId = null }: AddressCardsProps): JSX.Element {
  const t = useT();
  const { formatDate } = useIntl();
  const date = (value: string | null): string | null => (value ? formatDate(value, { dateStyle: 'medium', timeStyle: 'short' }) : null);
  return (
    <Grid.Root gap={4}>
      {addresses.map((a) => {
        const Icon = a.channel === 'email' ? Mail : Message;
        return (
          <Grid.Item key={a.channel} col={6} s={12} direction="column" alignItems="stretch">
            <Box background="neutral0" hasRadius shadow="tableShadow" padding={5} height="100%" data-address-card={a.channel}>
              <Flex direction="column" alignItems="stretch" gap={3}>
                <Flex justifyContent="space-between" gap={2}>
                  <Flex gap={2}>
                    <Icon aria-hidden />
                    <Typography variant="delta" tag="h2">
                      {t(channelKey(a.channel))}
                    </Typography>
                  </Flex>
                  {a.state === 'active' ? <Badge variant="success">{t(addressStateKey('active'))}</Badge> : <AddressStatusBadge channel={a.channel} state={a.state} reason={a.reason} since={a.since} size="M" />}
                </Flex>
                <Typography textColor="neutral800" fontWeight="semiBold" style={{ overflowWrap: 'anywhere' }}>
                  {a.address ?? t('addresses.none')}
                </Typography>
                {a.state !== 'active' && a.reason ? (
                  <Typography textColor="neutral700" variant="omega">
                    {a.reason}
                  </Typography>
                ) : null}
                {a.state !== 'active' ? (
                  <Typography textColor="neutral600" variant="pi">
                    {[
                      a.since ? t('addresses.since', { date: date(a.since) ?? '' }) : null,
                      a.providerCode ? t('addresses.code', { code: a.providerCode }) : null,
                      a.provider ? t('addresses.provider', { provider: a.provider }) : null,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </Typography>
                ) : null}
                {a.reactivatedAt ? (
                  <Typography textColor="neutral600" variant="pi">
                    {t('addresses.reactivated', { name: a.reactivatedBy ?? '-', date: date(a.reactivatedAt) ?? '', reason: a.reactivationReason ?? '-' })}
                  </Typography>
                ) : null}
                {a.providerLifts?.some((l) => l.provider !== 'sms') ? (
                  <Typography textColor="neutral600" variant="pi" data-provider-lifts>
                    {t('addresses.lifts', {
                      lifted: a.providerLifts.filter((l) => l.result === 'lifted').map((l) => l.provider).join(', ') || '-',
                      failed: a.providerLifts.filter((l) => l.result === 'failed').map((l) => l.provider).join(', ') || '-',
                    })}
                  </Typography>
                ) : null}
                {a.verification ? (
                  <Flex
                    gap={2}
                    wrap="wrap"
                    data-verification={a.verification.locked ? 'locked' : a.verification.expired ? 'expired' : 'pending'}
                    data-verification-id={a.verification.documentId}
                    data-verification-expires={a.verification.expiresAt}
                  >
                    <Badge variant={a.verification.expired || a.verification.locked ? 'warning' : 'secondary'}>
                      {t(verificationStateKey(a.verification))}
                    </Badge>
                    <Typography textColor="neutral600" variant="pi">
                      {t('addresses.verificationDetail', {
                        name: a.verification.requestedBy ?? '-',
                        method: t(a.verification.method === 'link' ? 'addresses.verificationLink' : 'addresses.verificationCode'),
                        date: date(a.verification.expiresAt) ?? '',
                      })}
                    </Typography>
                    {canReactivate && onResendVerification ? (
                      <Button
                        variant="tertiary"
                        size="S"
                        data-resend-verification
                        loading={resendingId === a.verification.documentId}
                        onClick={() => a.verification && onResendVerification(a.verification)}
                      >
                        {t('addresses.resendVerification')}
                      </Button>
                    ) : null}
                  </Flex>
                ) : null}
                {a.channel === 'sms' && a.address ? <ConsentHistory channel={a.channel} address={a.address} /> : null}
                {/* An SMS opt-out is the student's to lift (START), not an editor's. */}
                {canReactivate && (a.state !== 'active' || a.verification) && a.state !== 'opted_out' && a.address ? (
                  <Box>
                    <Button variant="secondary" size="S" onClick={() => onReactivate(a)}>
                      {t('addresses.reactivate')}
                    </Button>
                  </Box>
                ) : null}
              </Flex>
            </Box>
          </Grid.Item>
        );
      })}
    </Grid.Root>
  );
}
