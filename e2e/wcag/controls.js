// An htmx refresh never takes a control away: the controls (links, buttons, fields) of the
// element a GET fragment replaces (outerHTML), and which of them the fragment no longer has.
// arg: {selector, markup, url}. Fields are compared by id and name (their values change:
// a new binding password), the others by their words too.
(arg, H) => {
  const controls = (root) => [...root.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
    .map(el => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)
      ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '[name=' + (el.name || '') + ']'
      : el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || '').trim().replace(/\s+/g, ' ') + '"');
  const here = document.querySelector(arg.selector);
  if (!here) return ['nothing on the page matches ' + arg.selector];
  const answer = new Set(controls(new DOMParser().parseFromString(arg.markup, 'text/html').body));
  return controls(here).filter(c => !answer.has(c))
    .map(c => c + ': on the page, gone once htmx swaps ' + arg.url + ' into ' + arg.selector);
}
