// prefers-reduced-motion (run with it emulated): no animation or transition runs or is set
// up to run (computed durations too), no smooth scrolling.
(arg, H) => {
  const out = [];
  for (const a of document.getAnimations()) {
    const timing = a.effect ? a.effect.getComputedTiming() : {};
    const target = a.effect && a.effect.target;
    if (a.playState === 'running' && (timing.activeDuration || 0) > 0)
      out.push((target ? H.describe(target) : 'an element') + ': ' +
               (a.animationName || a.transitionProperty || 'animation') + ' runs for ' + timing.activeDuration + ' ms');
  }
  const seconds = (list) => Math.max(0, ...list.split(',').map(
    v => v.trim().endsWith('ms') ? parseFloat(v) / 1000 : parseFloat(v)));
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      if (pseudo && (cs.content === 'none' || cs.content === 'normal')) continue;
      const where = H.describe(el) + (pseudo || '');
      const transition = seconds(cs.transitionDuration) + seconds(cs.transitionDelay);
      if (transition > 0.01 && cs.transitionProperty !== 'none')
        out.push(where + ': transition ' + cs.transitionProperty + ' ' + cs.transitionDuration);
      if (cs.animationName !== 'none' && seconds(cs.animationDuration) > 0.01)
        out.push(where + ': animation ' + cs.animationName + ' ' + cs.animationDuration);
    }
  }
  if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') out.push('html: scroll-behavior smooth');
  return out;
}
