import { bucketOf, rollupDeltas, ROLLUP_BUCKET_MS } from './report-rollup';

const at = (iso: string) => Date.parse(iso);

describe('bucketOf', () => {
  it('is the quarter-hour (UTC) that holds the instant', () => {
    expect(new Date(bucketOf(at('2026-03-29T00:59:59.999Z'))).toISOString()).toBe('2026-03-29T00:45:00.000Z');
    expect(new Date(bucketOf(at('2026-03-29T01:00:00.000Z'))).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('puts every local midnight of a quarter-hour zone on a bucket boundary (Kathmandu, +05:45)', () => {
    // 2026-11-30 00:00 in Asia/Kathmandu is 2026-11-29 18:15 UTC.
    const midnight = at('2026-11-29T18:15:00.000Z');
    expect(bucketOf(midnight)).toBe(midnight);
    expect(bucketOf(midnight - 1)).toBe(midnight - ROLLUP_BUCKET_MS);
  });
});

describe('rollupDeltas', () => {
  const created = at('2026-11-30T10:05:00Z');

  it('counts a new message once, under its status', () => {
    expect(rollupDeltas([{ createdAt: created, channel: 'email', from: null, to: 'queued' }])).toEqual([
      { bucket: at('2026-11-30T10:00:00Z'), channel: 'email', status: 'queued', messages: 1 },
    ]);
  });

  it('moves a message from one count to another, and nets a batch of changes', () => {
    const deltas = rollupDeltas([
      { createdAt: created, channel: 'email', from: 'queued', to: 'sent' },
      { createdAt: created + 60_000, channel: 'email', from: 'sent', to: 'delivered' },
      { createdAt: created + 120_000, channel: 'email', from: 'queued', to: 'sent' },
    ]);
    expect(deltas).toEqual([
      { bucket: at('2026-11-30T10:00:00Z'), channel: 'email', status: 'delivered', messages: 1 },
      { bucket: at('2026-11-30T10:00:00Z'), channel: 'email', status: 'queued', messages: -2 },
      { bucket: at('2026-11-30T10:00:00Z'), channel: 'email', status: 'sent', messages: 1 },
    ]);
  });

  it('leaves out what nets to nothing, and an unchanged status', () => {
    expect(
      rollupDeltas([
        { createdAt: created, channel: 'sms', from: null, to: 'queued' },
        { createdAt: created, channel: 'sms', from: 'queued', to: null },
        { createdAt: created, channel: 'sms', from: 'sent', to: 'sent' },
      ]),
    ).toEqual([]);
  });

  it('orders the deltas by bucket, channel and status, whatever order the changes came in', () => {
    const deltas = rollupDeltas([
      { createdAt: created + ROLLUP_BUCKET_MS, channel: 'sms', from: null, to: 'queued' },
      { createdAt: created, channel: 'sms', from: null, to: 'queued' },
      { createdAt: created, channel: 'email', from: 'delivered', to: null },
    ]);
    expect(deltas.map((d) => `${new Date(d.bucket).toISOString().slice(11, 16)} ${d.channel} ${d.status} ${d.messages}`)).toEqual([
      '10:00 email delivered -1',
      '10:00 sms queued 1',
      '10:15 sms queued 1',
    ]);
  });
});
