import { Badge, Box, Flex, Tooltip, Typography } from '@strapi/design-system';
import { ArrowClockwise, Cross } from '@strapi/icons';
import { useIntl } from 'react-intl';
import { addressBadgeKind, addressStateKey, type AddressState, type Channel } from '../utils/status';
import { useT } from '../utils/translations';

export interface AddressStatusBadgeProps {
  state: AddressState | null | undefined;
  channel: Channel;
  reason?: string | null;
  /** When the address got this state (ISO string or Date). */
  since?: string | Date | null;
  size?: 'S' | 'M';
}

/**
 * The red X beside an address nothing will be sent to (failed, complained, unsubscribed, opted
 * out), or an amber badge while it is soft-bouncing; nothing for a clean address, so that it
 * looks like any other cell. Hovering or focusing it tells why and since when.
 */
export function AddressStatusBadge({ state, channel, reason, since, size = 'S' }: AddressStatusBadgeProps): JSX.Element | null {
  const t = useT();
  const { formatDate } = useIntl();
  const kind = addressBadgeKind(state);
  if (!kind || !state) return null;
  const label = t(addressStateKey(state));
  const date = since ? formatDate(since, { dateStyle: 'medium', timeStyle: 'short' }) : null;
  const summary = t(kind === 'danger' ? 'badge.summary.suppressed' : 'badge.summary.softBouncing', {
    channel: t(channel === 'email' ? 'badge.channel.email' : 'badge.channel.sms'),
    state: label,
  });
  const tooltip = (
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography variant="pi" fontWeight="bold" textColor="neutral0">
        {summary}
      </Typography>
      {reason ? (
        <Typography variant="pi" textColor="neutral0">
          {reason}
        </Typography>
      ) : null}
      {date ? (
        <Typography variant="pi" textColor="neutral0">
          {t('badge.since', { date })}
        </Typography>
      ) : null}
    </Flex>
  );
  const Icon = kind === 'danger' ? Cross : ArrowClockwise;
  return (
    <Tooltip label={tooltip}>
      {/* The trigger must take a ref, which Badge does not: a focusable span carries it, and the label. */}
      <Box
        tag="span"
        display="inline-flex"
        tabIndex={0}
        role="img"
        aria-label={[summary, reason, date ? t('badge.since', { date }) : null].filter(Boolean).join(' ')}
        data-deliverability-badge={state}
        data-channel={channel}
        // A badge in a table row must not open the row when it is clicked for its tooltip.
        onClick={(event: React.MouseEvent) => event.stopPropagation()}
        style={{ cursor: 'help' }}
      >
        <Badge size={size} variant={kind}>
          <Flex gap={1} alignItems="center">
            <Icon aria-hidden width="1rem" height="1rem" />
            <span>{label}</span>
          </Flex>
        </Badge>
      </Box>
    </Tooltip>
  );
}
