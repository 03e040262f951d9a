import adminBulkSends from './admin-bulk-sends';
import adminLogs from './admin-logs';
import adminProviders from './admin-providers';
import adminReports from './admin-reports';
import adminSuppressions from './admin-suppressions';
import adminSuppressionCsv from './admin-suppression-csv';
import adminSync from './admin-sync';
import adminVerifications from './admin-verifications';
import addresses from './addresses';
import bulkSends from './bulk-sends';
import messages from './messages';
import verifications from './verifications';
import unsubscribe from './unsubscribe';
import webhooks from './webhooks';

export default {
  addresses,
  'admin-bulk-sends': adminBulkSends,
  'bulk-sends': bulkSends,
  'admin-logs': adminLogs,
  'admin-providers': adminProviders,
  'admin-reports': adminReports,
  'admin-suppressions': adminSuppressions,
  'admin-suppression-csv': adminSuppressionCsv,
  'admin-sync': adminSync,
  'admin-verifications': adminVerifications,
  messages,
  verifications,
  unsubscribe,
  webhooks,
};
