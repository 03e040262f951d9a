import { allOnTheHour, bucketOf, hourlyDeltas, hourOf, rollupDeltas, ROLLUP_BUCKET_MS } from './report-rollup';

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

describe('the hourly counts', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('hourOf is the hour (UTC) that holds the instant', () => {
    expect(iso(hourOf(at('2026-03-29T00:59:59.999Z')))).toBe('2026-03-29T00:00:00.000Z');
    expect(iso(hourOf(at('2026-03-29T01:00:00.000Z')))).toBe('2026-03-29T01:00:00.000Z');
  });

  it("allOnTheHour tells London's days (on the hour, either side of a change) from India's and Nepal's", () => {
    // 2026-03-29 in Europe/London: midnight GMT, then the next midnight in BST (23:00 UTC).
    expect(allOnTheHour([at('2026-03-29T00:00:00Z'), at('2026-03-29T23:00:00Z')])).toBe(true);
    expect(allOnTheHour([at('2026-03-29T00:00:00Z'), at('2026-03-29T18:30:00Z')])).toBe(false);
    expect(allOnTheHour([at('2026-11-29T18:15:00Z')])).toBe(false);
  });

  it('hourlyDeltas sums the quarter-hours of each hour, and leaves out what nets to nothing', () => {
    const quarter = (time: string, status: 'sent' | 'delivered', messages: number) =>
      ({ bucket: at(`2026-11-30T${time}:00Z`), channel: 'email', status, messages }) as const;
    const deltas = hourlyDeltas([
      quarter('10:00', 'sent', 2),
      quarter('10:45', 'sent', 3),
      quarter('10:15', 'delivered', 1),
      quarter('10:30', 'delivered', -1),
      quarter('11:00', 'sent', -1),
    ]);
    expect(deltas.map((d) => [iso(d.bucket), d.status, d.messages])).toEqual([
      ['2026-11-30T10:00:00.000Z', 'sent', 5],
      ['2026-11-30T11:00:00.000Z', 'sent', -1],
    ]);
  });
});
