// Forced colors: the password checklist says met / not met in visible words, not only in
// colour. arg: [the words for met, the words for not met] in the page's language.
(arg, H) => {
  const [met, unmet] = arg;
  const out = [];
  const lines = [...document.querySelectorAll('.checklist li')].filter(li => li.querySelector('.state'));
  if (lines.length < 5) out.push('only ' + lines.length + ' checklist lines say their state');
  for (const li of lines) {
    const state = li.querySelector('.state');
    const text = (state.innerText || '').trim();
    const r = state.getBoundingClientRect();
    const says = text.includes(unmet) ? 'unmet' : text.includes(met) ? 'met' : null;
    if (!says) out.push(H.describe(li) + ': its state is not in words');
    else if (!state.classList.contains(says)) out.push(H.describe(li) + ': says ' + says + ' but is styled ' + state.className);
    if (!H.visible(state) || r.width < 2) out.push(H.describe(li) + ': the state words are not visible');
  }
  return out;
}
