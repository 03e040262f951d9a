import { requires } from '../permissions';

/**
 * Admin API, under /deliverability. Every route needs a signed-in admin holding one plugin
 * action; the admin panel asks for the same actions to decide what to show.
 */
export default {
  type: 'admin',
  routes: [
    { method: 'GET', path: '/contacts/:documentId/logs', handler: 'admin-logs.contactLogs', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/contacts/:documentId/summary', handler: 'admin-logs.contactSummary', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/logs/:documentId', handler: 'admin-logs.findOne', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/logs/:documentId/retry', handler: 'admin-logs.retry', config: { policies: requires('messagesRetry') } },
    { method: 'POST', path: '/addresses/lookup', handler: 'admin-logs.addressStatuses', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/addresses/reactivate', handler: 'admin-suppressions.reactivate', config: { policies: requires('addressesReactivate') } },
    { method: 'GET', path: '/suppressions', handler: 'admin-suppressions.list', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/events/:documentId/reclassify', handler: 'admin-logs.reclassify', config: { policies: requires('eventsReclassify') } },
    { method: 'GET', path: '/consent', handler: 'admin-logs.consent', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/events/unmatched', handler: 'admin-logs.unmatched', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/reports', handler: 'admin-reports.report', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/reports/sender-blocks', handler: 'admin-reports.senderBlocks', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/providers', handler: 'admin-providers.list', config: { policies: requires('settingsRead') } },
  ],
};
