// A screen's own stylesheet, linked once on first use (CSP style-src 'self': a <link>, never
// an inline style), so screens that need a few more rules do not grow the shared sheet.
const linked = new Set();

export function useStylesheet(href, doc = globalThis.document) {
  if (!doc || linked.has(href)) return;
  linked.add(href);
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  doc.head.append(link);
}
