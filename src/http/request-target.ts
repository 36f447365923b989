// undici's top-level request(url) parses the URL (WHATWG) on every call, a visible cost per proxied request.
// A dispatcher takes origin and path as they are; for paths WHATWG parsing would leave unchanged the two
// are the same request, so those skip the parse. Anything else still goes through the URL parser.

// Characters WHATWG URL parsing keeps as they are in an http path and query.
const PLAIN = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*$/;
// Dot segments (also percent-encoded ones) are resolved by the parser: not plain.
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/** Whether `path` (starting with "/", query included) comes out of URL parsing unchanged. */
export function isPlainPath(path: string): boolean {
  // An empty query ("/x?") is dropped by the parser.
  return PLAIN.test(path) && !DOT_SEGMENT.test(path) && !path.endsWith('?');
}
