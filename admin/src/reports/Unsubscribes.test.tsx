import { fireEvent, screen, waitFor } from '@testing-library/react';

// The admin's data layer, answered here: each request's URL is kept, and the answer is the report
// (or the error) the test set for that URL's period.
const server = { urls: [] as string[], answers: new Map<string, { data: unknown } | { error: unknown }>() };
jest.mock('@strapi/strapi/admin', () => {
  const { testAdminApi } = jest.requireActual<typeof import('../test-utils/adminApi')>('../test-utils/adminApi');
  return {
    isFetchError: () => false,
    adminApi: testAdminApi(async ({ url }) => {
      server.urls.push(url);
      const from = new URL(url, 'http://admin.test').searchParams.get('from') ?? '';
      return server.answers.get(from) ?? { error: { status: 404, name: 'NotFoundError', message: `no answer for ${from}` } };
    }),
  };
});

import { renderInAdmin } from '../test-utils/render';
import type { UnsubscribeReport } from '../utils/api';
import { Unsubscribes } from './Unsubscribes';

/** The server answers this report for its period (every test asks for a period of its own: RTK Query caches by URL). */
function answer(report: Partial<UnsubscribeReport> & Pick<UnsubscribeReport, 'from' | 'to'>): void {
  const full: UnsubscribeReport = { timeZone: 'Europe/Paris', total: 0, oneClick: 0, reportedByProviders: 0, byBulkSend: [], ...report };
  server.answers.set(report.from, { data: { data: full } });
}

const figure = (way: string): string | null | undefined => document.querySelector(`[data-unsubscribe-way="${way}"]`)?.textContent;

describe('Unsubscribes', () => {
  it("asks for the page's period in the reader's zone, and shows the total and how they came", async () => {
    answer({ from: '2026-11-01', to: '2026-11-30', total: 1234, oneClick: 1200, reportedByProviders: 34 });
    renderInAdmin(<Unsubscribes from="2026-11-01" to="2026-11-30" zone={{ tz: 'Europe/Paris' }} />);
    await screen.findByRole('heading', { name: 'Unsubscribes: 1,234' });
    expect(server.urls).toContain('/deliverability/reports/unsubscribes?from=2026-11-01&to=2026-11-30&tz=Europe%2FParis');
    expect(document.querySelector('[data-unsubscribes]')?.getAttribute('data-unsubscribes')).toBe('1234');
    expect(screen.getByText('By the one-click link in our bulk email')).toBeTruthy();
    expect(screen.getByText('Reported by an email provider, or imported')).toBeTruthy();
    expect([figure('oneClick'), figure('reportedByProviders')]).toEqual(['1,200', '34']);
    expect(screen.queryByText('No unsubscribes in this period.')).toBeNull();
  });

  it('shows a way with none as 0, not as missing', async () => {
    answer({ from: '2026-10-01', to: '2026-10-31', total: 2, oneClick: 0, reportedByProviders: 2 });
    renderInAdmin(<Unsubscribes from="2026-10-01" to="2026-10-31" zone={{ tz: 'Europe/Paris' }} />);
    await screen.findByRole('heading', { name: 'Unsubscribes: 2' });
    expect([figure('oneClick'), figure('reportedByProviders')]).toEqual(['0', '2']);
  });

  it('says so when the period has none', async () => {
    answer({ from: '2026-09-01', to: '2026-09-30' });
    renderInAdmin(<Unsubscribes from="2026-09-01" to="2026-09-30" zone={{ tz: 'Europe/Paris' }} />);
    await screen.findByText('No unsubscribes in this period.');
    expect(screen.getByRole('heading', { name: 'Unsubscribes: 0' })).toBeTruthy();
    expect(document.querySelector('[data-unsubscribe-way]')).toBeNull();
  });

  it("sends the browser's offset when it names no zone", async () => {
    answer({ from: '2026-08-01', to: '2026-08-31', total: 1, oneClick: 1 });
    renderInAdmin(<Unsubscribes from="2026-08-01" to="2026-08-31" zone={{ tzOffset: -300 }} />);
    await screen.findByRole('heading', { name: 'Unsubscribes: 1' });
    expect(server.urls).toContain('/deliverability/reports/unsubscribes?from=2026-08-01&to=2026-08-31&tzOffset=-300');
  });

  it('speaks French to a French editor', async () => {
    answer({ from: '2026-07-01', to: '2026-07-31', total: 3, oneClick: 2, reportedByProviders: 1 });
    renderInAdmin(<Unsubscribes from="2026-07-01" to="2026-07-31" zone={{ tz: 'Europe/Paris' }} />, 'fr');
    await screen.findByRole('heading', { name: 'Désabonnements : 3' });
    expect(screen.getByText('Par le lien en un clic de nos envois groupés')).toBeTruthy();
    expect(screen.getByText('Signalés par un fournisseur d’e-mail, ou importés')).toBeTruthy();
    answer({ from: '2026-06-01', to: '2026-06-30' });
    renderInAdmin(<Unsubscribes from="2026-06-01" to="2026-06-30" zone={{ tz: 'Europe/Paris' }} />, 'fr');
    await screen.findByText('Aucun désabonnement sur cette période.');
  });

  it("shows the server's error, with a retry, instead of figures", async () => {
    server.answers.set('2026-05-01', { error: { status: 500, name: 'InternalServerError', message: 'The database is not answering.' } });
    renderInAdmin(<Unsubscribes from="2026-05-01" to="2026-05-31" zone={{ tz: 'Europe/Paris' }} />);
    await screen.findByText('This could not be loaded: The database is not answering.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    expect(document.querySelector('[data-unsubscribes]')).toBeNull();
    // The retry asks again; once the server answers, the figures replace the error.
    answer({ from: '2026-05-01', to: '2026-05-31', total: 1, oneClick: 1 });
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(document.querySelector('[data-unsubscribes]')?.getAttribute('data-unsubscribes')).toBe('1'));
  });
});
