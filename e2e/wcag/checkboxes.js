// Forced colors: every checkbox and radio button is still drawn.
(arg, H) => {
  const out = [];
  for (const el of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) || r.width < 1 || r.height < 1 || H.srOnly(el))
      out.push(H.describe(el) + ': not drawn (' + Math.round(r.width) + '×' + Math.round(r.height) +
               ' px, opacity ' + cs.opacity + ')');
    else if (cs.appearance === 'none' && cs.forcedColorAdjust === 'none')
      out.push(H.describe(el) + ': custom-drawn with forced-color-adjust none');
  }
  return out;
}
