import { fireEvent, screen, waitFor } from '@testing-library/react';

// The hooks module reads the edit view's form and the list's rows through the admin; here the form
// is a plain object the test sets, so the components run without booting the whole admin.
const form = { values: {} as Record<string, unknown>, initialValues: {} as Record<string, unknown> };
// The admin API's answer to a status look-up, for types without a mirror.
const lookup = { calls: [] as unknown[], answer: [] as unknown[] };
const post = async (url: string, body: unknown) => {
  lookup.calls.push({ url, body });
  return { data: { data: lookup.answer } };
};
jest.mock('@strapi/strapi/admin', () => {
  const { testAdminApi } = jest.requireActual<typeof import('../test-utils/adminApi')>('../test-utils/adminApi');
  return {
    useForm: (_: string, select: (state: typeof form) => unknown) => select(form),
    useTable: () => [],
    isFetchError: () => false,
    // The data layer, with the look-up answered here rather than over the network.
    adminApi: testAdminApi(async ({ url, data }) => ({ data: (await post(url, data)).data })),
  };
});

import { lightTheme } from '@strapi/design-system';
import { renderInAdmin } from '../test-utils/render';
import { ADDRESS_STATES, addressBadgeKind } from '../utils/status';
import { useReactivate } from '../utils/api';
import { AddressStatusBadge } from './AddressStatusBadge';
import { addLabelBadges, LabelBadge } from './editView';
import { injectBadgeColumns, nameStatusFilters, StatusCell } from './listView';

const REASON = 'Hard bounce (550 5.1.1): The email account that you tried to reach does not exist.';

/** The colour a CSS colour value resolves to in jsdom, so that theme hex and rgb() compare. */
function resolved(colour: string): string {
  const probe = document.createElement('div');
  probe.style.backgroundColor = colour;
  return probe.style.backgroundColor;
}

describe('AddressStatusBadge', () => {
  it('draws nothing for a clean address, so the cell looks like any other', () => {
    const { container } = renderInAdmin(<AddressStatusBadge channel="email" state="active" reason={null} />);
    expect(container.querySelector('[data-deliverability-badge]')).toBeNull();
    expect(container.textContent).toBe('');
    const none = renderInAdmin(<AddressStatusBadge channel="email" state={null} />);
    expect(none.container.textContent).toBe('');
  });

  it('draws a red X badge for a failed address, with the reason and date for screen readers', () => {
    renderInAdmin(<AddressStatusBadge channel="email" state="failed" reason={REASON} since="2026-11-20T10:30:00.000Z" />);
    const badge = document.querySelector('[data-deliverability-badge="failed"]') as HTMLElement;
    expect(badge).not.toBeNull();
    expect(badge.textContent).toBe('Failed');
    // The X icon.
    expect(badge.querySelector('svg')).not.toBeNull();
    expect(badge.getAttribute('aria-label')).toBe(`This email address is Failed: nothing will be sent to it. ${REASON} Since Nov 20, 2026, 10:30 AM`);
    expect(getComputedStyle(badge.firstElementChild as HTMLElement).backgroundColor).toBe(resolved(lightTheme.colors.danger200));
  });

  it.each(['complained', 'unsubscribed', 'opted_out'] as const)('draws the red badge for %s too', (state) => {
    renderInAdmin(<AddressStatusBadge channel="sms" state={state} reason="why" />);
    const badge = document.querySelector(`[data-deliverability-badge="${state}"]`) as HTMLElement;
    expect(badge).not.toBeNull();
    expect(getComputedStyle(badge.firstElementChild as HTMLElement).backgroundColor).toBe(resolved(lightTheme.colors.danger200));
    expect(badge.getAttribute('aria-label')).toMatch(/^This mobile number is .+: nothing will be sent to it\./);
  });

  it('draws an amber badge while soft-bouncing, which says messages are being retried', () => {
    renderInAdmin(<AddressStatusBadge channel="email" state="soft_bouncing" reason="Soft bounce (452 4.2.2): Mailbox full" />);
    const badge = document.querySelector('[data-deliverability-badge="soft_bouncing"]') as HTMLElement;
    expect(badge.textContent).toBe('Soft-bouncing');
    expect(getComputedStyle(badge.firstElementChild as HTMLElement).backgroundColor).toBe(resolved(lightTheme.colors.warning200));
    expect(badge.getAttribute('aria-label')).toMatch(/soft-bouncing: messages are being retried/);
  });

  it('shows the reason and the date in a tooltip when focused', async () => {
    renderInAdmin(<AddressStatusBadge channel="email" state="failed" reason={REASON} since="2026-11-20T10:30:00.000Z" />);
    const badge = document.querySelector('[data-deliverability-badge="failed"]') as HTMLElement;
    fireEvent.focus(badge);
    const tooltip = await screen.findByRole('tooltip');
    await waitFor(() => expect(tooltip.textContent).toContain(REASON));
    expect(tooltip.textContent).toContain('Since Nov 20, 2026, 10:30 AM');
  });

  it('gives every state but active a badge: red when suppressed, amber when soft-bouncing', () => {
    expect(ADDRESS_STATES.map((s) => [s, addressBadgeKind(s)])).toEqual([
      ['active', null],
      ['soft_bouncing', 'warning'],
      ['failed', 'danger'],
      ['complained', 'danger'],
      ['unsubscribed', 'danger'],
      ['opted_out', 'danger'],
    ]);
  });
});

describe('the Content Manager hooks', () => {
  const tracked = { options: { deliverability: { tracked: true } } };
  const headers = [{ name: 'id' }, { name: 'firstName' }, { name: 'email' }, { name: 'mobile' }, { name: 'emailStatus' }];

  it('leaves other content types exactly as they were', () => {
    const other = { options: { draftAndPublish: true } };
    const result = injectBadgeColumns({ displayedHeaders: headers, layout: other });
    expect(result.displayedHeaders).toBe(headers);
    const edit = { layout: [[[{ name: 'email' }]]], options: {} };
    expect(addLabelBadges({ layout: edit, query: {} }).layout).toBe(edit);
  });

  it('formats the email and mobile cells of a tracked type, and keeps the columns sortable as they were', () => {
    const input = headers.map((h) => ({ ...h, sortable: true }));
    const { displayedHeaders } = injectBadgeColumns({ displayedHeaders: input, layout: tracked });
    const byName = Object.fromEntries(displayedHeaders.map((h) => [h.name, h as { cellFormatter?: unknown; sortable: boolean }]));
    expect(typeof byName.email.cellFormatter).toBe('function');
    expect(typeof byName.mobile.cellFormatter).toBe('function');
    expect(typeof byName.emailStatus.cellFormatter).toBe('function');
    expect(byName.firstName.cellFormatter).toBeUndefined();
    expect(displayedHeaders.every((h) => h.sortable)).toBe(true);
  });

  it('shows a status column in words', () => {
    const { container } = renderInAdmin(<StatusCell value="soft_bouncing" />);
    expect(container.textContent).toBe('Soft-bouncing');
  });

  it('names the status filters and their choices', () => {
    const { displayedFilters } = nameStatusFilters({
      displayedFilters: [{ name: 'emailStatus', label: 'emailStatus', options: [{ label: 'soft_bouncing', value: 'soft_bouncing' }] }, { name: 'email' }],
      layout: tracked,
    });
    expect(displayedFilters[0].label).toEqual({ id: 'deliverability.filters.emailStatus', defaultMessage: 'Email status' });
    expect(displayedFilters[0].options).toContainEqual({ value: 'opted_out', label: 'Opted out' });
    expect(displayedFilters[1]).toEqual({ name: 'email' });
  });

  it('puts a badge beside the email and mobile labels of a tracked edit view, and nowhere else', () => {
    const layout = { ...tracked, layout: [[[{ name: 'firstName' }, { name: 'email' }], [{ name: 'mobile' }]]] };
    const result = addLabelBadges({ layout, query: {} });
    const fields = result.layout.layout.flat(2) as { name: string; labelAction?: unknown }[];
    expect(fields.find((f) => f.name === 'email')?.labelAction).toBeTruthy();
    expect(fields.find((f) => f.name === 'mobile')?.labelAction).toBeTruthy();
    expect(fields.find((f) => f.name === 'firstName')?.labelAction).toBeUndefined();
    expect(result.query).toEqual({});
  });

  it('takes the status mirror out of the edit form, dropping rows left empty', () => {
    const layout = {
      ...tracked,
      layout: [[[{ name: 'email' }, { name: 'emailStatus' }], [{ name: 'emailStatusReason' }, { name: 'emailStatusAt' }], [{ name: 'mobileStatus' }, { name: 'mobile' }]]],
    };
    const rows = addLabelBadges({ layout, query: {} }).layout.layout[0].map((row) => row.map((f) => f.name));
    expect(rows).toEqual([['email'], ['mobile']]);
  });

  it("follows a site's own student type by its field map, looking up what its rows do not carry", () => {
    const student = { options: { deliverability: { tracked: true, fields: { email: 'personalEmail', mobile: null }, mirror: [] } } };
    const { displayedHeaders } = injectBadgeColumns({ displayedHeaders: [{ name: 'personalEmail' }, { name: 'email' }, { name: 'mobile' }], layout: student });
    const formatted = displayedHeaders.map((h) => [h.name, typeof (h as { cellFormatter?: unknown }).cellFormatter]);
    expect(formatted).toEqual([
      ['personalEmail', 'function'],
      ['email', 'undefined'],
      ['mobile', 'undefined'],
    ]);
  });
});

describe('a type without the status mirror', () => {
  it('looks the saved address up once and badges it', async () => {
    lookup.calls = [];
    lookup.answer = [{ channel: 'email', address: 'kim@bounce.test', normalized: 'kim@bounce.test', state: 'complained', reason: 'Spam complaint', providerCode: null, since: null }];
    form.initialValues = { personalEmail: 'kim@bounce.test' };
    form.values = { personalEmail: 'kim@bounce.test' };
    renderInAdmin(<LabelBadge channel="email" addressField="personalEmail" mirrored={false} />);
    await waitFor(() => expect(document.querySelector('[data-deliverability-badge="complained"]')).not.toBeNull());
    expect(lookup.calls).toEqual([{ url: '/deliverability/addresses/lookup', body: { addresses: [{ channel: 'email', address: 'kim@bounce.test' }] } }]);
  });

  it('drops the badge once the address is reactivated, without a reload', async () => {
    lookup.calls = [];
    lookup.answer = [{ channel: 'email', address: 'kim@bounce.test', normalized: 'kim@bounce.test', state: 'complained', reason: 'Spam complaint', providerCode: null, since: null }];
    form.initialValues = { personalEmail: 'kim@bounce.test' };
    form.values = { personalEmail: 'kim@bounce.test' };
    function Reactivate(): JSX.Element {
      const reactivate = useReactivate();
      return <button onClick={() => void reactivate({ channel: 'email', address: 'kim@bounce.test', reason: 'Confirmed by phone' })}>reactivate</button>;
    }
    renderInAdmin(
      <>
        <LabelBadge channel="email" addressField="personalEmail" mirrored={false} />
        <Reactivate />
      </>,
    );
    await waitFor(() => expect(document.querySelector('[data-deliverability-badge="complained"]')).not.toBeNull());
    lookup.answer = [{ channel: 'email', address: 'kim@bounce.test', normalized: 'kim@bounce.test', state: 'active', reason: null, providerCode: null, since: null }];
    fireEvent.click(screen.getByText('reactivate'));
    await waitFor(() => expect(document.querySelector('[data-deliverability-badge]')).toBeNull());
    expect(lookup.calls.map((c) => (c as { url: string }).url)).toEqual([
      '/deliverability/addresses/lookup',
      '/deliverability/addresses/reactivate',
      '/deliverability/addresses/lookup',
    ]);
  });
});

describe('the edit view label badge', () => {
  const saved = {
    email: 'amira.haddad@bounce.test',
    emailStatus: 'failed',
    emailStatusReason: REASON,
    emailStatusAt: '2026-11-20T10:30:00.000Z',
    mobile: '+447700900101',
    mobileStatus: 'active',
  };

  it('shows the saved status of the saved address', () => {
    form.initialValues = saved;
    form.values = { ...saved };
    renderInAdmin(<LabelBadge channel="email" addressField="email" mirrored />);
    expect(document.querySelector('[data-deliverability-badge="failed"]')?.getAttribute('aria-label')).toContain(REASON);
  });

  it('shows nothing for an active mobile', () => {
    form.initialValues = saved;
    form.values = { ...saved };
    const { container } = renderInAdmin(<LabelBadge channel="sms" addressField="mobile" mirrored />);
    expect(container.textContent).toBe('');
  });

  it('hides while the editor has typed another address, whose status is not known until it is saved', () => {
    form.initialValues = saved;
    form.values = { ...saved, email: 'amira.new@example.ac.uk' };
    const { container } = renderInAdmin(<LabelBadge channel="email" addressField="email" mirrored />);
    expect(container.querySelector('[data-deliverability-badge]')).toBeNull();
  });
});
