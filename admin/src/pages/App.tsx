import { Divider } from '@strapi/design-system';
import { Layouts, Page, SubNav } from '@strapi/strapi/admin';
import { Navigate, Route, Routes } from 'react-router-dom';
import { UnmatchedEventsPage } from '../events/UnmatchedEventsPage';
import { FullLogsPage } from '../logs/FullLogsPage';
import { PAGE_PERMISSIONS, permissionsFor, useCan } from '../permissions';
import { PLUGIN_PATH } from '../pluginId';
import { ProvidersPage } from '../providers/ProvidersPage';
import { ReportsPage } from '../reports/ReportsPage';
import { SuppressionsPage } from '../suppressions/SuppressionsPage';
import { useT } from '../utils/translations';
import { WorklistPage } from '../worklist/WorklistPage';
import { BulkSendPage } from '../bulk/BulkSendPage';
import { BulkSendsPage } from '../bulk/BulkSendsPage';
import { ComposeBulkSendPage } from '../bulk/ComposeBulkSendPage';

function Nav(): JSX.Element {
  const t = useT();
  const can = useCan();
  const links = [
    can.readReports ? { to: `${PLUGIN_PATH}/reports`, label: t('nav.reports') } : null,
    can.readLogs ? { to: `${PLUGIN_PATH}/suppressions`, label: t('nav.suppressions') } : null,
    can.readLogs ? { to: `${PLUGIN_PATH}/worklist`, label: t('nav.worklist') } : null,
    can.readLogs ? { to: `${PLUGIN_PATH}/bulk`, label: t('nav.bulk') } : null,
    can.readLogs ? { to: `${PLUGIN_PATH}/unmatched`, label: t('nav.unmatched') } : null,
    can.readSettings ? { to: `${PLUGIN_PATH}/providers`, label: t('nav.providers') } : null,
  ].filter((link): link is { to: string; label: string } => link !== null);
  return (
    <SubNav.Main aria-label={t('plugin.name')}>
      <SubNav.Header label={t('plugin.name')} />
      <Divider />
      <SubNav.Content>
        <SubNav.Sections>
          {[
            <SubNav.Section key="main" label={t('nav.section')}>
              {links.map((link) => (
                <SubNav.Link key={link.to} to={link.to} label={link.label}>
                  {link.label}
                </SubNav.Link>
              ))}
            </SubNav.Section>,
          ]}
        </SubNav.Sections>
      </SubNav.Content>
    </SubNav.Main>
  );
}

/** Each page also checks its own action: a link typed by hand to a page one may not see says so. */
function Protected({ keys, children }: { keys: Parameters<typeof permissionsFor>; children: JSX.Element }): JSX.Element {
  return <Page.Protect permissions={permissionsFor(...keys)}>{children}</Page.Protect>;
}

/** The first page this user may see. */
function Home(): JSX.Element {
  const can = useCan();
  const first = can.readReports ? 'reports' : can.readLogs ? 'suppressions' : 'providers';
  return <Navigate to={`${PLUGIN_PATH}/${first}`} replace />;
}

/** The plugin's page: reports, suppressions, unmatched events and providers, and each student's Full Logs. */
export function App(): JSX.Element {
  return (
    <Page.Protect permissions={PAGE_PERMISSIONS}>
      <Routes>
        {/* Full Logs belongs to a student, not to the plugin's menu: full width, with a way back to the student. */}
        <Route
          path="contacts/:documentId/logs"
          element={
            <Protected keys={['readLogs']}>
              <FullLogsPage />
            </Protected>
          }
        />
        <Route
          path="*"
          element={
            <Layouts.Root sideNav={<Nav />}>
              <Routes>
                <Route index element={<Home />} />
                <Route
                  path="reports"
                  element={
                    <Protected keys={['readReports']}>
                      <ReportsPage />
                    </Protected>
                  }
                />
                <Route
                  path="suppressions"
                  element={
                    <Protected keys={['readLogs']}>
                      <SuppressionsPage />
                    </Protected>
                  }
                />
                <Route
                  path="worklist"
                  element={
                    <Protected keys={['readLogs']}>
                      <WorklistPage />
                    </Protected>
                  }
                />
                <Route
                  path="bulk"
                  element={
                    <Protected keys={['readLogs']}>
                      <BulkSendsPage />
                    </Protected>
                  }
                />
                <Route
                  path="bulk/new"
                  element={
                    <Protected keys={['bulkSend']}>
                      <ComposeBulkSendPage />
                    </Protected>
                  }
                />
                <Route
                  path="bulk/:id"
                  element={
                    <Protected keys={['readLogs']}>
                      <BulkSendPage />
                    </Protected>
                  }
                />
                <Route
                  path="unmatched"
                  element={
                    <Protected keys={['readLogs']}>
                      <UnmatchedEventsPage />
                    </Protected>
                  }
                />
                <Route
                  path="providers"
                  element={
                    <Protected keys={['readSettings']}>
                      <ProvidersPage />
                    </Protected>
                  }
                />
                <Route path="*" element={<Page.Error />} />
              </Routes>
            </Layouts.Root>
          }
        />
      </Routes>
    </Page.Protect>
  );
}

export default App;
