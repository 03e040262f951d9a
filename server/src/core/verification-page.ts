/**
 * The student's pages of address verification: the emailed link's page (a button, so that a mail
 * scanner opening the link confirms nothing) and the texted code's page (a form for the six
 * digits). Same look as the unsubscribe pages (renderPublicPage); every dynamic value escaped.
 */
import { escapeHtml, renderPublicPage } from './unsubscribe-page';
import type { CodeRefusal } from './verification';

export type VerificationPage =
  | { kind: 'link'; token: string }
  | { kind: 'code'; refusal?: { why: CodeRefusal; attemptsLeft: number } }
  | { kind: 'confirmed'; already: boolean }
  | { kind: 'link-refused'; message: string }
  | { kind: 'too-many' };

const CODE_FORM =
  '<form method="post"><label for="code">Code</label><br>' +
  '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>' +
  '<button type="submit">Confirm my number</button></form>';

/** What the page says about a refused code; the form comes back only while a code can still work. */
function codeRefusalHtml(why: CodeRefusal, attemptsLeft: number): { text: string; formAgain: boolean } {
  switch (why) {
    case 'wrong':
      return attemptsLeft > 0
        ? { text: `That code is not right. You can try ${attemptsLeft} more time${attemptsLeft === 1 ? '' : 's'}.`, formAgain: true }
        : {
            text: 'That code is not right, and that was the last try: this code no longer works. Ask your college to send a new one.',
            formAgain: false,
          };
    case 'locked':
      return { text: 'Too many wrong codes were typed: this code no longer works. Ask your college to send a new one.', formAgain: false };
    case 'expired':
      return { text: 'This code has expired. Ask your college to send a new one.', formAgain: false };
    case 'superseded':
      return { text: 'A newer code was sent to your phone: use the one in the latest text message.', formAgain: false };
    case 'unknown':
      return { text: 'This link is not valid. Use the link in the text message your college sent you.', formAgain: false };
  }
}

function body(page: VerificationPage): { title: string; html: string } {
  switch (page.kind) {
    case 'link':
      return {
        title: 'Confirm your email address',
        html:
          '<p>Press the button to confirm that this address is yours and that your college may write to it again.</p>' +
          `<form method="post"><input type="hidden" name="token" value="${escapeHtml(page.token)}"><button type="submit">Confirm my address</button></form>`,
      };
    case 'code': {
      if (!page.refusal)
        return {
          title: 'Confirm your number',
          html: `<p>Type the six-digit code from the text message your college sent you.</p>${CODE_FORM}`,
        };
      const { text, formAgain } = codeRefusalHtml(page.refusal.why, page.refusal.attemptsLeft);
      return {
        title: formAgain ? 'Confirm your number' : 'That did not work',
        html: `<p class="error" role="alert">${escapeHtml(text)}</p>${formAgain ? CODE_FORM : ''}`,
      };
    }
    case 'confirmed':
      return {
        title: 'Thank you',
        html: page.already
          ? '<p>This was already confirmed. Your college can reach you there.</p>'
          : '<p>Confirmed. Your college can reach you there again.</p>',
      };
    case 'link-refused':
      return { title: 'That did not work', html: `<p class="error" role="alert">${escapeHtml(page.message)}</p>` };
    case 'too-many':
      return {
        title: 'Too many attempts',
        html: '<p class="error" role="alert">Too many attempts just now. Please wait a few minutes and try again.</p>',
      };
  }
}

export function renderVerificationPage(page: VerificationPage): string {
  const { title, html } = body(page);
  return renderPublicPage(title, html);
}
