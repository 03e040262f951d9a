/** An invalid plugin config stops Strapi at boot with a message that names the key. */
import { bootError } from '../helpers/app';

describe('plugin config at boot', () => {
  it('refuses to boot on an invalid value, naming the key and what was expected', async () => {
    const error = await bootError('bad-config', { pluginConfig: { retry: { windowHours: -3 } } });
    expect(error.message).toMatch(/deliverability\.retry\.windowHours must be a number greater than 0 \(got -3\)/);
  });

  it('refuses an unknown escalation mode', async () => {
    const error = await bootError('bad-escalation', { pluginConfig: { escalation: { mode: 'sometimes' } } });
    expect(error.message).toMatch(/deliverability\.escalation\.mode must be one of 'off', 'streak', 'score'/);
  });

  it('refuses a lease shorter than two hand-offs, naming both settings', async () => {
    const error = await bootError('short-lease', { pluginConfig: { retrier: { leaseSeconds: 20 }, sending: { timeoutMs: 15000 } } });
    expect(error.message).toMatch(/deliverability\.retrier\.leaseSeconds must be at least twice deliverability\.sending\.timeoutMs \(15000 ms\).*\(got 20\)/);
  });
});
