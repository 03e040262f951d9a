/**
 * The admin API of bulk sends and the mailbox-provider report on PostgreSQL and MySQL/MariaDB
 * (DELIVERABILITY_TEST_PG / DELIVERABILITY_TEST_MYSQL; the suite: admin-bulk-sends.suite.ts).
 */
import { serverKinds } from '../helpers/databases';
import { describeAdminBulkSends } from './admin-bulk-sends.suite';

jest.setTimeout(120_000);

const kinds = serverKinds('admin-bulk-sends-servers.test.ts');
if (kinds.length === 0) describe.skip('admin bulk sends on a database server (none configured)', () => it('is skipped', () => undefined));
kinds.forEach(describeAdminBulkSends);
