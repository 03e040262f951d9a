import { classifySmtpFailure, unconfirmedHandOff } from './send-failure';

describe('hand-offs whose outcome is unknown', () => {
  it.each([
    ['a fetch timeout signal', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })],
    ['a reset socket, wrapped by fetch', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })],
    ['nodemailer losing the connection mid-conversation', Object.assign(new Error('Connection closed unexpectedly'), { code: 'ESOCKET' })],
    ['the Email plugin timing out', Object.assign(new Error('No answer from the email provider within 15000 ms'), { code: 'ETIMEDOUT' })],
  ])('%s is unconfirmed', (_, error) => {
    expect(unconfirmedHandOff(error)).toMatchObject({ text: expect.stringMatching(/^No answer after the hand-off/) });
  });

  it.each([
    ['a refused connection', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })],
    ['an unknown host', Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) })],
    ['an SMTP reply, even after a timeout code', { code: 'ETIMEDOUT', responseCode: 451, response: '451 4.3.0 Try later' }],
    ['anything without a network code', new Error('An email needs a subject and a body')],
  ])('%s is a definite answer, classified as before', (_, error) => {
    expect(unconfirmedHandOff(error)).toBeNull();
  });

  it('a refused SMTP connection stays an ordinary soft failure', () => {
    expect(classifySmtpFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:25' })).toMatchObject({ kind: 'soft_bounce' });
  });
});
