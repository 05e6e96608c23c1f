// After each Tab, once what the Tab set off has settled (a message htmx fetches on blur can
// move the page): where the focus is and whether it can be seen (in the viewport, on top),
// and its outline. Each element is described once per walk (window.__focusSeen, reset by
// the test before a walk); {again: true} when the walk came round to a stop it has seen.
async (arg, H) => {
  for (let i = 0; i < 200 && document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'); i++)
    await H.frames(1);
  await H.frames(1);
  if (arg === 'reset') { window.__focusSeen = new WeakSet(); }
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {outside: true};
  window.__focusSeen = window.__focusSeen || new WeakSet();
  if (window.__focusSeen.has(el)) return {again: true};
  window.__focusSeen.add(el);
  const vw = window.innerWidth, vh = window.innerHeight;
  let inView = false, onTop = false, coveredBy = null;
  for (const r of el.getClientRects()) {
    const x0 = Math.max(r.left, 0), x1 = Math.min(r.right, vw), y0 = Math.max(r.top, 0), y1 = Math.min(r.bottom, vh);
    if (x1 <= x0 || y1 <= y0) continue;
    inView = true;
    const hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
    if (hit && (hit === el || el.contains(hit))) onTop = true; else if (hit) coveredBy = H.describe(hit);
  }
  const cs = getComputedStyle(el);
  return {what: H.describe(el), inView, onTop, coveredBy,
          outline: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0};
}
