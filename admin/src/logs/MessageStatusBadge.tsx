import { Badge } from '@strapi/design-system';
import { MESSAGE_STATUS_COLOURS, messageStatusKey, type MessageStatus } from '../utils/status';
import { useT } from '../utils/translations';

/** A message's status (Bounced, Dropped, Delivered...), each in its own colour. */
export function MessageStatusBadge({ status }: { status: MessageStatus }): JSX.Element {
  const t = useT();
  const colours = MESSAGE_STATUS_COLOURS[status] ?? MESSAGE_STATUS_COLOURS.queued;
  return (
    <Badge backgroundColor={colours.background} textColor={colours.text} data-message-status={status}>
      {t(messageStatusKey(status))}
    </Badge>
  );
}
