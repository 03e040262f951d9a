import type { Core } from '@strapi/strapi';
import contactIndex from './contact-index';

/** The middleware's routing, without a database: which Document Service calls it re-indexes after. */
function fakeStrapi(configured: string[]) {
  const transactions: number[] = [];
  const reads: { uid: string; where: unknown }[] = [];
  const strapi = {
    plugin: () => ({
      service: (name: string) => {
        if (name !== 'contacts') throw new Error(`unexpected service ${name}`);
        return { source: (uid: string) => (configured.includes(uid) ? { uid, fields: { email: null, mobile: null }, mirror: {} } : null) };
      },
    }),
    db: {
      query: (uid: string) => ({
        findMany: async (params: { where: unknown }) => {
          reads.push({ uid, where: params.where });
          return [];
        },
      }),
      transaction: async (fn: () => Promise<unknown>) => {
        transactions.push(1);
        return fn();
      },
    },
  };
  return { strapi: strapi as unknown as Core.Strapi, transactions, reads };
}

describe('the contact-address middleware', () => {
  it('passes reads, and writes of types that are not contact types, straight through', async () => {
    const { strapi, transactions, reads } = fakeStrapi(['api::student.student']);
    const middleware = contactIndex({ strapi }).middleware();
    const next = jest.fn(async () => ({ documentId: 'd1' }));
    await middleware({ uid: 'api::student.student', action: 'findMany', params: {} }, next);
    await middleware({ uid: 'api::course.course', action: 'update', params: { documentId: 'c1' } }, next);
    expect(next).toHaveBeenCalledTimes(2);
    expect(transactions).toHaveLength(0);
    expect(reads).toHaveLength(0);
  });

  it('wraps a write of a contact type in a transaction and answers what the write answered', async () => {
    const { strapi, transactions, reads } = fakeStrapi(['api::student.student']);
    const middleware = contactIndex({ strapi }).middleware();
    const result = await middleware({ uid: 'api::student.student', action: 'delete', params: { documentId: 's1' } }, async () => ({ documentId: 's1', entries: [] }));
    expect(result).toEqual({ documentId: 's1', entries: [] });
    expect(transactions).toHaveLength(1);
    // The deleted document's rows, then its index entries, are read again.
    expect(reads).toEqual([
      { uid: 'api::student.student', where: { documentId: { $in: ['s1'] } } },
      { uid: 'plugin::deliverability.contact-address', where: { contactType: 'api::student.student', contactDocumentId: { $in: ['s1'] } } },
    ]);
  });
});
