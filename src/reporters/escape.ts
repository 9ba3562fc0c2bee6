/**
 * Learner text is data in every output format. Reports carry text that
 * learners control (exception messages, file and folder names, numbers
 * quoted from their README, notices about their files) and text that
 * rubric authors wrote; every reporter passes all of it through the one
 * escaping function of its format, here, so no learner string can start a
 * command, break out of a code span, inject HTML, an image or a link, or
 * reorder what a reader sees.
 *
 * | format | function | what it guarantees |
 * | --- | --- | --- |
 * | terminal, plain text logs | `terminalText` | one line; control characters, line breaks and bidi/invisible formatting shown as visible marks; no line can start a GitHub workflow command |
 * | Markdown prose | `markdownText` | literal text: no HTML, image, link, autolink, emphasis, heading or list from it; one line |
 * | Markdown code | `markdownCode` | a code span no backtick run can close, one line |
 * | Markdown table cell | `markdownText`, `markdownCode(text, { cell: true })` | as above, and `\|` cannot end the cell |
 * | GitHub workflow commands | `githubData`, `githubProperty` | the runner's own escapes: a value cannot end its command or start another |
 * | XML (JUnit) | `xmlText` | characters XML 1.0 forbids replaced; marks as in plain text (xmlbuilder2 escapes markup) |
 * | plain text with line breaks (Gradescope, SARIF messages) | `plainText` | line breaks kept, every other control and bidi character made visible |
 * | HTML | `htmlText` | `& < > " '` as entities, controls visible |
 *
 * JSON output keeps strings as they are: JSON is data, and its consumers
 * choose how to show it.
 */

/**
 * Characters that change how text is shown without being seen: bidi
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the
 * marks U+200E, U+200F and U+061C, zero-width characters, the BOM, and the
 * Unicode line and paragraph separators (line breaks to some viewers).
 */
const INVISIBLE = /[\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** C0 controls except tab and line feed (CONTROL: except tab), DEL, and the C1 controls (ESC, CSI... start terminal sequences). */
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/g;

/** Lone surrogates cannot be encoded as UTF-8; they become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every lone surrogate replaced by U+FFFD, so it can be encoded (UTF-8, URIs). */
export function wellFormed(text: string): string {
  return String(text).replace(LONE_SURROGATE, '\uFFFD');
}

/** A visible stand-in for an invisible character: the Unicode control pictures for C0 and DEL, `<U+XXXX>` otherwise. */
function mark(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * Every control character shown as a visible mark, and every bidi or
 * invisible formatting character; lone surrogates as U+FFFD; CRLF as LF (a
 * lone CR is a control: it would print over the line). With `keepNewlines`
 * (text that may span lines) line feeds and tabs stay; without, the text is
 * one line: a line feed becomes ` ⏎ ` and a tab a space.
 */
export function visibleText(text: string, options: { keepNewlines?: boolean } = {}): string {
  let out = wellFormed(text).replace(/\r\n/g, '\n');
  if (options.keepNewlines) out = out.replace(CONTROL_EXCEPT_NEWLINE, mark);
  else out = out.replace(/\t/g, ' ').replace(/\n/g, ' \u23CE ').replace(CONTROL, mark);
  return out.replace(INVISIBLE, mark);
}

/**
 * Text for a terminal or a plain log line: one line, every control, line
 * break and bidi character visible. A line of rubricate's terminal output
 * therefore always starts with rubricate's own text, so GitHub Actions (which
 * reads workflow commands such as `::add-mask::` from any log line) never
 * sees one from a learner.
 */
export function terminalText(text: string): string {
  return visibleText(text);
}

/** Plain text that may span lines (Gradescope output, SARIF messages): line breaks kept, everything else visible. */
export function plainText(text: string): string {
  return visibleText(text, { keepNewlines: true });
}

// ------------------------------------------------------------------ Markdown

/** Characters Markdown (CommonMark + GFM) gives a meaning to anywhere in a line. */
const MARKDOWN_INLINE = /[\\`*_[\]<>!|~&#$]/g;

/**
 * Addresses a GFM renderer would link by itself: `scheme://...`, `www.`,
 * `mailto:`/`xmpp:` and e-mail addresses. Backslash escapes do not stop it
 * (remark links them after escapes are resolved), a code span does.
 */
const ADDRESS = /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.|\b(?:mailto|xmpp):)[^\s<|]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;

/**
 * Learner text as literal Markdown prose: one line; HTML and entities, code
 * spans, emphasis, links, images, footnotes and maths escaped; addresses a
 * renderer would turn into links (`https://...`, `www.`, e-mail) shown as
 * code spans instead, so nothing from the text links anywhere; a leading
 * `-`, `+`, `=` or `1.` cannot start a list or heading. Safe in a GFM table
 * cell too (the pipe is escaped).
 */
export function markdownText(text: string): string {
  const visible = visibleText(text);
  let out = '';
  let last = 0;
  for (const match of visible.matchAll(ADDRESS)) {
    out += escapeProse(visible.slice(last, match.index)) + markdownCode(match[0]);
    last = match.index + match[0].length;
  }
  out += escapeProse(visible.slice(last));
  // Block syntax at the start of the text (a paragraph may start with it).
  return out.replace(/^(\s*)([-+=])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

function escapeProse(text: string): string {
  return text.replace(MARKDOWN_INLINE, (ch) => `\\${ch}`);
}

/**
 * Learner text as an inline code span that no content can close: the fence
 * is one backtick longer than the longest backtick run inside, padded with a
 * space when the content starts or ends with a backtick (CommonMark). One
 * line. With `cell`, pipes are escaped as GFM tables require (the renderer
 * removes the backslash inside the span).
 */
export function markdownCode(text: string, options: { cell?: boolean } = {}): string {
  let content = visibleText(text);
  if (options.cell) content = content.replace(/\|/g, '\\|');
  if (content === '') return '` `';
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const spaced = content.startsWith(' ') && content.endsWith(' ') && content.trim() !== '';
  const pad = content.startsWith('`') || content.endsWith('`') || spaced ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

// ------------------------------------------------------------------ GitHub workflow commands

/** Workflow-command data: `%`, CR and LF percent-encoded (the runner's rules); other controls and bidi characters visible. */
export function githubData(text: string): string {
  return wellFormed(text)
    .replace(/%/g, '%25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A')
    .replace(CONTROL_EXCEPT_NEWLINE, mark)
    .replace(INVISIBLE, mark);
}

/** Workflow-command property values: as data, plus `:` and `,`. */
export function githubProperty(text: string): string {
  return githubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

// ------------------------------------------------------------------ XML, HTML

/**
 * Text for XML 1.0 (xmlbuilder2 escapes markup): characters XML forbids
 * replaced, controls and bidi characters visible, line breaks kept in
 * element text; attribute values (`{ keepNewlines: false }`) are one line,
 * as parsers would fold their line breaks anyway.
 */
export function xmlText(text: string, options: { keepNewlines?: boolean } = { keepNewlines: true }): string {
  return visibleText(text, options).replace(/[\uFFFE\uFFFF]/g, '\uFFFD');
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content or a quoted attribute value. */
export function htmlText(text: string, options: { keepNewlines?: boolean } = {}): string {
  return visibleText(text, options).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);
}

// ------------------------------------------------------------------ SARIF

/**
 * A SARIF plain-text message (§3.11.6): line breaks kept, controls visible,
 * and `[`, `]` escaped with a backslash so learner text cannot form an
 * embedded link (`[text](uri)`), which SARIF viewers render as one.
 */
export function sarifText(text: string): string {
  return plainText(text).replace(/[\\[\]]/g, (ch) => `\\${ch}`);
}
