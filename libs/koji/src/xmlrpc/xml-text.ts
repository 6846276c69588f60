import { XmlRpcEncodeError } from './xmlrpc-encode-error';

// Characters XML 1.0 cannot hold at all (not even as character references), including
// lone UTF-16 surrogates, which would otherwise turn silently into U+FFFD on the wire.
const FORBIDDEN_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const FORBIDDEN_XML_CHARS = new RegExp(FORBIDDEN_XML_CHAR.source, 'gu');
const NEEDS_ESCAPE = /[&<>\r]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/**
 * Escapes text for element content. `\r` becomes `&#13;` because an XML parser turns a
 * raw carriage return into `\n`. Throws {@link XmlRpcEncodeError} on characters XML 1.0
 * forbids (control characters, lone surrogates, U+FFFE/U+FFFF).
 */
export function escapeXmlText(text: string, path: string): string {
  const bad = FORBIDDEN_XML_CHAR.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    throw new XmlRpcEncodeError(
      `character U+${hex} at index ${bad.index} cannot be represented in XML 1.0 (use sanitizeXmlText)`,
      path,
    );
  }
  return text.replace(NEEDS_ESCAPE, (c) => ESCAPES[c]);
}

/**
 * Replaces every character XML 1.0 cannot carry with U+FFFD, for text that may hold raw
 * bytes from a tool (a failing build's output in a fault string, say).
 */
export function sanitizeXmlText(text: string): string {
  return text.replace(FORBIDDEN_XML_CHARS, '\uFFFD');
}
