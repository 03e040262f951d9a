import { useIntl } from 'react-intl';
import { renderReason, type ReasonCode, type ReasonParams, type ReasonPart } from '../../../server/src/core/reasons';
import type { ProviderName } from '../../../server/src/core/events';
import { addressStateKey, MESSAGE_STATUSES, messageStatusKey, type MessageStatus } from './status';
import { message, useT, type TranslationKey } from './translations';

/**
 * The server's reasons in the editor's language: the stored codes rendered from the translation
 * files (`reason.<code>`), joined as the server joins them (`renderReason`). Rows stored before
 * reasons had codes keep their English text.
 */

type ReasonKey = `reason.${ReasonCode}`;
type ProviderKey = `reason.provider.${ProviderName}`;
// Fails the type check if a code or provider has no entry in translations/en.json.
const keysExist: [ReasonKey, ProviderKey] extends [TranslationKey, TranslationKey] ? true : never = true;
void keysExist;

const reasonKey = (code: ReasonCode): TranslationKey => `reason.${code}` as ReasonKey;
const providerKey = (provider: ProviderName): TranslationKey => `reason.provider.${provider}` as ProviderKey;
const isStatus = (value: unknown): value is MessageStatus => (MESSAGE_STATUSES as readonly unknown[]).includes(value);

export type ReasonText = (data: ReasonPart[] | null | undefined, stored: string | null) => string | null;

export function useReasonText(): ReasonText {
  const { formatMessage, formatDate } = useIntl();
  const t = useT();
  const localParams = (params: ReasonParams = {}): Record<string, string | number> => {
    const values: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(params)) if (value !== undefined) values[name] = value;
    if (params.provider) values.provider = t(providerKey(params.provider));
    if (params.state) values.state = t(addressStateKey(params.state)).toLowerCase();
    for (const name of ['status', 'claimed'] as const) {
      const status = params[name];
      if (isStatus(status)) values[name] = t(messageStatusKey(status)).toLowerCase();
    }
    if (params.at) values.at = formatDate(params.at, { dateStyle: 'medium', timeStyle: 'short' });
    return values;
  };
  return (data, stored) => {
    if (!data || data.length === 0) return stored;
    return renderReason(data, (part) => formatMessage(message(reasonKey(part.code)), localParams(part.params)));
  };
}
