// Helpers shared by the WCAG checks (e2e/test_wcag.py). This file is one object literal:
// the test wraps every check as (arg) => { const H = <this file>; return (<check>)(arg, H); }
({
  describe(el) {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    if (el.getAttribute('href')) s += '[href="' + el.getAttribute('href').slice(0, 60) + '"]';
    if (el.getAttribute('type') && el.tagName === 'INPUT') s += '[type=' + el.getAttribute('type') + ']';
    if (el.getAttribute('name')) s += '[name=' + el.getAttribute('name') + ']';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
    if (text) s += ' "' + text.slice(0, 40) + '"';
    return s;
  },

  // Visually hidden on purpose (.visually-hidden: 1px, clipped) or inside such an element.
  srOnly(el) {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if ((cs.clip && cs.clip !== 'auto') || (cs.clipPath && cs.clipPath !== 'none')) {
        const r = e.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
    }
    return false;
  },

  // Moved above the page on purpose until focused (the skip link).
  parkedAbove(el) {
    const r = el.getBoundingClientRect();
    return r.bottom + window.scrollY <= 0;
  },

  visible(el) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !H.srOnly(el) && !(H.parkedAbove(el) && document.activeElement !== el);
  },

  ownText(el) {
    return [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  },

  // Text that an overflow box cuts off, or that spills out of a box of fixed size.
  lostText() {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (['INPUT', 'SELECT', 'TEXTAREA', 'SCRIPT', 'STYLE', 'svg'].includes(el.tagName)) continue;
      if (el.closest('svg')) continue;
      if (!H.visible(el)) continue;
      const text = (el.innerText || '').trim();
      if (!text) continue;
      const cs = getComputedStyle(el);
      if (cs.display === 'inline' || cs.display === 'contents') continue;
      const cutX = cs.overflowX !== 'visible', cutY = cs.overflowY !== 'visible';
      const dx = el.scrollWidth - el.clientWidth, dy = el.scrollHeight - el.clientHeight;
      if (cutX && dx > 1)
        out.push(H.describe(el) + ': text cut off sideways (' + el.scrollWidth + ' > ' + el.clientWidth +
                 ' px, overflow-x ' + cs.overflowX + ')');
      if (cutY && dy > 1)
        out.push(H.describe(el) + ': text cut off at the bottom (' + el.scrollHeight + ' > ' + el.clientHeight +
                 ' px, overflow-y ' + cs.overflowY + ')');
      if (!cutY && H.ownText(el) && dy > 1)
        out.push(H.describe(el) + ': text spills out of its box (' + el.scrollHeight + ' > ' + el.clientHeight + ' px)');
    }
    return out;
  },

  // Visible text and controls past the left or right edge of the viewport.
  pastTheEdges() {
    const out = [], width = document.documentElement.clientWidth;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (!el || seen.has(el) || !H.visible(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width > 0 && (r.left < -1 || r.right > width + 1)) {
          out.push(H.describe(el) + ': text from ' + Math.round(r.left) + ' to ' + Math.round(r.right) +
                   ' px in a ' + width + ' px viewport');
          seen.add(el);
          break;
        }
      }
    }
    for (const el of document.body.querySelectorAll('input, button, select, textarea, img, svg, .qr, a')) {
      if (!H.visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.right > width + 1)
        out.push(H.describe(el) + ': box from ' + Math.round(r.left) + ' to ' + Math.round(r.right) +
                 ' px in a ' + width + ' px viewport');
    }
    return out;
  },

  // Against the layout width (clientWidth): on a mobile viewport innerWidth grows with
  // content that is too wide, so scrollWidth <= innerWidth would always hold there.
  sidewaysScroll() {
    const w = document.documentElement.scrollWidth, v = document.documentElement.clientWidth;
    return w > v ? ['the page scrolls sideways: ' + w + ' px wide in a ' + v + ' px viewport'] : [];
  },

  // Two animation frames: what the last change set off has been laid out and painted.
  frames(n = 2) {
    return new Promise(resolve => {
      const step = (left) => left ? requestAnimationFrame(() => step(left - 1)) : resolve();
      step(n);
    });
  },
})
