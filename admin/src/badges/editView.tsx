import { useForm } from '@strapi/strapi/admin';
import { ADDRESS_STATES, type AddressState, type Channel } from '../utils/status';
import { AddressStatusBadge } from './AddressStatusBadge';
import { MIRROR, tracking } from './tracked';
import { useAddressLookup } from './useAddressLookup';

/**
 * The badge beside the email or mobile label of the edit view. It shows the saved address's
 * status (from the mirror the form holds, or looked up for a type without one), and hides while
 * the editor has typed a different address: the new one gets its status when the contact is saved.
 */
export function LabelBadge({ channel, addressField, mirrored }: { channel: Channel; addressField: string; mirrored: boolean }): JSX.Element | null {
  const mirror = MIRROR[channel];
  const values = useForm('DeliverabilityLabelBadge', (state) => state.values) as Record<string, unknown>;
  const initial = useForm('DeliverabilityLabelBadge', (state) => state.initialValues) as Record<string, unknown>;
  const saved = typeof initial[addressField] === 'string' ? (initial[addressField] as string) : '';
  const looked = useAddressLookup(saved && !mirrored ? [{ channel, address: saved }] : [], !mirrored && saved !== '');
  const raw = mirrored ? initial[mirror.status] : looked?.[0]?.state;
  const state = typeof raw === 'string' && (ADDRESS_STATES as readonly string[]).includes(raw) ? (raw as AddressState) : null;
  if (!state || !saved || values[addressField] !== saved) return null;
  return (
    <AddressStatusBadge
      channel={channel}
      state={state}
      reason={mirrored ? ((initial[mirror.reason] as string | null | undefined) ?? null) : (looked?.[0]?.reason ?? null)}
      since={mirrored ? ((initial[mirror.at] as string | null | undefined) ?? null) : (looked?.[0]?.since ?? null)}
    />
  );
}

interface FieldLike {
  name: string;
  labelAction?: React.ReactNode;
}

/** The status mirror: only the plugin writes it, so the form does not offer it for editing. */
const MIRROR_FIELDS = new Set<string>(Object.values(MIRROR).flatMap((f) => [f.status, f.reason, f.at]));

/**
 * 'Admin/CM/pages/EditView/mutate-edit-view-layout': on a tracked contact type, puts the badge
 * beside the email and mobile labels, and takes the status mirror out of the form: the server
 * ignores edits to it, and the badges and the side panel already show it. Panels hold rows, and
 * rows hold fields.
 */
export function addLabelBadges<F extends FieldLike, L extends { layout: F[][][]; options?: unknown }, R extends object>(
  args: { layout: L } & R,
): { layout: L } & R {
  const { layout } = args;
  const tracked = tracking(layout);
  if (!tracked) return args;
  const withBadge = (field: F): F => {
    for (const channel of ['email', 'sms'] as const) {
      const addressField = tracked.fields[channel];
      if (addressField && field.name === addressField) {
        return { ...field, labelAction: <LabelBadge channel={channel} addressField={addressField} mirrored={tracked.mirror.includes(channel)} /> };
      }
    }
    return field;
  };
  const panels = layout.layout
    .map((panel) => panel.map((row) => row.filter((field) => !MIRROR_FIELDS.has(field.name)).map(withBadge)).filter((row) => row.length > 0))
    .filter((panel) => panel.length > 0);
  return { ...args, layout: { ...layout, layout: panels } };
}
