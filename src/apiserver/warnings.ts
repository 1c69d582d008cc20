/**
 * WarningRecorder collects the warnings of one request for its `Warning` response headers, as
 * kube-apiserver's warning recorder does: each text once, in order; past 4,096 characters in all, every text
 * cut to 256 characters, and once those are spent too, the rest dropped; a text with control characters is
 * not sent. A header is `299 - "text"` (RFC 7234) with `"` and `\` escaped and the text in UTF-8.
 */

const TRUNCATE_AT_TOTAL = 4 * 1024;
const TRUNCATE_ITEM = 256;

function truncated(text: string): string {
  const chars = [...text];
  return chars.length > TRUNCATE_ITEM ? chars.slice(0, TRUNCATE_ITEM).join('') : text;
}

/**
 * warningHeader is one `Warning` header value, or undefined for a text kube's NewWarningHeader refuses
 * (any control character, unicode.IsControl: C0, DEL, C1). Node writes header values as Latin-1: the UTF-8
 * bytes of the text are handed over one per character, so that what goes on the wire is UTF-8, as Go writes.
 */
export function warningHeader(text: string): string | undefined {
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return undefined;
  const quoted = `299 - "${text.replace(/["\\]/g, '\\$&')}"`;
  return Buffer.from(quoted, 'utf8').toString('latin1');
}

/** WarningRecorder: see the module comment. */
export class WarningRecorder {
  private readonly texts: string[] = [];
  private readonly seen = new Set<string>();
  private truncating = false;
  private written = 0;

  /** add records a warning (an empty or repeated text is ignored). */
  add(text: string): void {
    if (text === '' || this.seen.has(text) || (this.truncating && this.written >= TRUNCATE_AT_TOTAL)) return;
    this.seen.add(text);
    this.texts.push(text);
    const length = [...(this.truncating ? truncated(text) : text)].length;
    if (this.truncating || this.written + length <= TRUNCATE_AT_TOTAL) {
      this.written += length;
      return;
    }
    // Over the limit: from now on every text, the earlier ones too, is cut.
    this.truncating = true;
    this.written = this.texts.reduce((n, t) => n + [...truncated(t)].length, 0);
  }

  /** headers are the `Warning` header values to send. */
  headers(): string[] {
    const out: string[] = [];
    let written = 0;
    for (const text of this.texts) {
      const shown = this.truncating ? truncated(text) : text;
      if (this.truncating && written >= TRUNCATE_AT_TOTAL) break;
      written += [...shown].length;
      const header = warningHeader(shown);
      if (header !== undefined) out.push(header);
    }
    return out;
  }
}
