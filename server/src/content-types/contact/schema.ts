import { ADDRESS_STATES } from '../../core/statuses';

/**
 * The plugin's own contact (a student), visible in the Content Manager. The status fields mirror
 * the address ledger so that the list view can draw badges, sort and filter without joins; the
 * ledger stays the truth. They are not writable through the API: only the plugin sets them.
 */
// A function, not a shared object: Strapi annotates each attribute object it is given.
const statusMirror = () =>
  ({
    type: 'enumeration',
    enum: [...ADDRESS_STATES],
    default: 'active',
    required: true,
    writable: false,
  }) as const;

export default {
  kind: 'collectionType',
  collectionName: 'deliverability_contacts',
  info: {
    singularName: 'contact',
    pluralName: 'contacts',
    displayName: 'Contact',
    description: 'A student or other person that the deliverability plugin sends email and SMS to.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: true },
    'content-type-builder': { visible: false },
    // The admin's badge hooks look for this flag (the hooks are not told the content-type uid).
    deliverability: { tracked: true },
  },
  // The Content Manager's default list shows the first four fields, which would hide the email and
  // mobile columns (and so their failure badges). Sites can still change it in "Configure the view".
  config: { layouts: { list: ['id', 'firstName', 'lastName', 'email', 'mobile', 'externalId'] } },
  attributes: {
    firstName: { type: 'string', maxLength: 255 },
    lastName: { type: 'string', maxLength: 255 },
    // The host CRM's id for this person.
    externalId: { type: 'string', unique: true, maxLength: 255 },
    email: { type: 'email', maxLength: 320 },
    // E.164: a plus, a country code and the number (+447700900123). Checked and normalized by the
    // contact lifecycle, which gives editors a clearer message than a bare regex would.
    mobile: { type: 'string', maxLength: 32 },
    // The student's own IANA time zone (America/New_York), for quiet hours; empty: the site's
    // (quietHours.timeZone). Checked and canonicalized by the contact lifecycle.
    timeZone: { type: 'string', maxLength: 64 },
    emailStatus: statusMirror(),
    emailStatusReason: { type: 'text', writable: false },
    emailStatusAt: { type: 'datetime', writable: false },
    mobileStatus: statusMirror(),
    mobileStatusReason: { type: 'text', writable: false },
    mobileStatusAt: { type: 'datetime', writable: false },
  },
  indexes: [
    // Editors' filters by email and mobile. (Look-ups by address go through the contact-address index.)
    { name: 'dlv_contacts_email_idx', columns: ['email'] },
    { name: 'dlv_contacts_mobile_idx', columns: ['mobile'] },
  ],
};
