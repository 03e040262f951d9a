/**
 * The small HTML pages of the public unsubscribe link (and, through renderPublicPage, their look
 * for the verification pages). The GET page never unsubscribes by itself
 * (mail scanners and link previewers follow links): it shows a button whose form POSTs the RFC 8058
 * body to the same URL. No script, no outside resources, every dynamic value escaped.
 */

export type UnsubscribePage =
  | { kind: 'confirm'; action: string; maskedAddress: string }
  | { kind: 'already'; maskedAddress: string }
  | { kind: 'done'; maskedAddress: string }
  | { kind: 'invalid' | 'expired' | 'unavailable' | 'too-many' };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function body(page: UnsubscribePage): { title: string; html: string } {
  switch (page.kind) {
    case 'confirm':
      return {
        title: 'Unsubscribe',
        html:
          `<p>Stop bulk email to <strong>${escapeHtml(page.maskedAddress)}</strong>?</p>` +
          `<form method="post" action="${escapeHtml(page.action)}">` +
          '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
          '<button type="submit">Unsubscribe</button></form>' +
          '<p class="note">Messages about your studies that you must receive may still be sent.</p>',
      };
    case 'already':
      return { title: 'Already unsubscribed', html: `<p><strong>${escapeHtml(page.maskedAddress)}</strong> is already unsubscribed from bulk email.</p>` };
    case 'done':
      return { title: 'Unsubscribed', html: `<p><strong>${escapeHtml(page.maskedAddress)}</strong> will get no more bulk email.</p>` };
    case 'invalid':
      return { title: 'Link not valid', html: '<p>This unsubscribe link is not valid. Use the link in the most recent message, or contact the sender.</p>' };
    case 'expired':
      return { title: 'Link expired', html: '<p>This unsubscribe link has expired. Use the link in a more recent message, or contact the sender.</p>' };
    case 'too-many':
      return { title: 'Too many requests', html: '<p>Too many requests came from your network just now. Please wait a minute and try again.</p>' };
    case 'unavailable':
      return { title: 'Try again later', html: '<p>Your request could not be recorded just now. Please try again in a few minutes.</p>' };
  }
}

export function renderUnsubscribePage(page: UnsubscribePage): string {
  const { title, html } = body(page);
  return renderPublicPage(title, html);
}

/**
 * The look of every public page the plugin answers (unsubscribe, address verification): a title
 * and trusted HTML (the caller escapes every dynamic value in it), no script, nothing from outside.
 */
export function renderPublicPage(title: string, html: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}',
    'button{font-size:1rem;padding:.6rem 1.4rem;cursor:pointer}.note{color:#666;font-size:.9rem}',
    'input{font-size:1.4rem;letter-spacing:.3rem;width:8rem;padding:.4rem;margin-right:.6rem}.error{color:#b00020}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>${html}</body></html>`,
  ].join('\n');
}
