// 2.5.8 Target size (minimum): every visible control ≥ 24×24 CSS px, or an inline link in a
// sentence, or spaced (a 24 px circle on its centre meets no other target); and the main
// button of each form (its first submit button) ≥ 44 px high.
(arg, H) => {
  const out = [];
  const SEL = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  const targets = [...document.querySelectorAll(SEL)].filter(H.visible);
  const box = (el) => el.getBoundingClientRect();
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const distToRect = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  const small = (r) => r.width < 24 - 0.01 || r.height < 24 - 0.01;
  // WCAG's inline exception: a link in a sentence, its size set by the line of text it sits in.
  const inline = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    if (!block) return false;
    const own = (el.innerText || '').trim().length, all = (block.innerText || '').trim().length;
    return all > own;
  };
  for (const el of targets) {
    const r = box(el);
    if (!small(r) || inline(el)) continue;
    const [x, y] = centre(r);
    const crowded = targets.filter(o => o !== el && !o.contains(el) && !el.contains(o)).filter(o => {
      const ro = box(o);
      if (distToRect(x, y, ro) < 12) return true;
      if (small(ro) && !inline(o)) { const [ox, oy] = centre(ro); return Math.hypot(ox - x, oy - y) < 24; }
      return false;
    });
    if (crowded.length)
      out.push(H.describe(el) + ': ' + Math.round(r.width * 10) / 10 + '×' + Math.round(r.height * 10) / 10 +
               ' px, and within 12 px of its centre: ' + crowded.slice(0, 3).map(H.describe).join(', '));
  }
  // Main buttons: the first submit button inside each form.
  for (const form of document.querySelectorAll('form')) {
    const main = form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
    if (!main || !H.visible(main)) continue;
    const r = box(main);
    if (r.height < 44 - 0.01)
      out.push(H.describe(main) + ': the main button of its form is ' + Math.round(r.height * 10) / 10 + ' px high (< 44)');
  }
  return out;
}
