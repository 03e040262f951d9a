/** The admin API of bulk sends and the mailbox-provider report on SQLite (the suite: admin-bulk-sends.suite.ts). */
import { describeAdminBulkSends } from './admin-bulk-sends.suite';

jest.setTimeout(120_000);

describeAdminBulkSends('sqlite');
