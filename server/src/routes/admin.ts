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
    { method: 'POST', path: '/contacts/:documentId/erase', handler: 'admin-logs.erase', config: { policies: requires('contactsErase') } },
    { method: 'GET', path: '/logs/:documentId', handler: 'admin-logs.findOne', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/logs/:documentId/retry', handler: 'admin-logs.retry', config: { policies: requires('messagesRetry') } },
    { method: 'POST', path: '/addresses/lookup', handler: 'admin-logs.addressStatuses', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/addresses/reactivate', handler: 'admin-suppressions.reactivate', config: { policies: requires('addressesReactivate') } },
    { method: 'POST', path: '/verifications/:documentId/resend', handler: 'admin-verifications.resend', config: { policies: requires('addressesReactivate') } },
    { method: 'GET', path: '/suppressions', handler: 'admin-suppressions.list', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/suppressions/export', handler: 'admin-suppression-csv.exportCsv', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/suppressions/import', handler: 'admin-suppression-csv.importCsv', config: { policies: requires('suppressionsSync') } },
    { method: 'GET', path: '/worklist', handler: 'admin-sync.worklist', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/events/:documentId/reclassify', handler: 'admin-logs.reclassify', config: { policies: requires('eventsReclassify') } },
    { method: 'GET', path: '/consent', handler: 'admin-logs.consent', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/events/unmatched', handler: 'admin-logs.unmatched', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/reports', handler: 'admin-reports.report', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/reports/sender-blocks', handler: 'admin-reports.senderBlocks', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/reports/reach', handler: 'admin-reports.reach', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/reports/mailbox-providers', handler: 'admin-reports.mailboxProviders', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/reports/breaker-pauses', handler: 'admin-reports.breakerPauses', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/reports/unsubscribes', handler: 'admin-reports.unsubscribes', config: { policies: requires('reportsRead') } },
    { method: 'GET', path: '/bulk-sends', handler: 'admin-bulk-sends.list', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/categories', handler: 'admin-bulk-sends.categories', config: { policies: requires('bulkSend') } },
    { method: 'POST', path: '/bulk-sends/preview', handler: 'admin-bulk-sends.preview', config: { policies: requires('bulkSend') } },
    { method: 'POST', path: '/bulk-sends', handler: 'admin-bulk-sends.create', config: { policies: requires('bulkSend') } },
    { method: 'GET', path: '/bulk-sends/:id', handler: 'admin-bulk-sends.findOne', config: { policies: requires('logsRead') } },
    { method: 'GET', path: '/bulk-sends/:id/mailbox-providers', handler: 'admin-bulk-sends.mailboxProviders', config: { policies: requires('reportsRead') } },
    { method: 'POST', path: '/bulk-sends/:id/pause', handler: 'admin-bulk-sends.pause', config: { policies: requires('bulkSend') } },
    { method: 'POST', path: '/bulk-sends/:id/resume', handler: 'admin-bulk-sends.resume', config: { policies: requires('bulkSend') } },
    { method: 'POST', path: '/bulk-sends/:id/cancel', handler: 'admin-bulk-sends.cancel', config: { policies: requires('bulkSend') } },
    { method: 'GET', path: '/providers', handler: 'admin-providers.list', config: { policies: requires('settingsRead') } },
    { method: 'GET', path: '/suppression-sync', handler: 'admin-sync.states', config: { policies: requires('settingsRead') } },
    { method: 'POST', path: '/suppression-sync/:provider', handler: 'admin-sync.start', config: { policies: requires('suppressionsSync') } },
    { method: 'GET', path: '/suppression-sync/drift', handler: 'admin-sync.drift', config: { policies: requires('logsRead') } },
    { method: 'POST', path: '/suppression-sync/drift/:provider/lift', handler: 'admin-sync.reconcile', config: { policies: requires('addressesReactivate') } },
  ],
};
