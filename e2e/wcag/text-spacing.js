// 1.4.12 Text spacing: the WCAG bookmarklet's styles (line-height 1.5, paragraphs 2em apart,
// letter-spacing .12em, word-spacing .16em); no text lost, nothing scrolls sideways.
(arg, H) => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; ' +
                    'word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }');
  const before = document.adoptedStyleSheets;
  document.adoptedStyleSheets = [...before, sheet];
  try {
    const probe = document.querySelector('main p, main h1') || document.body;
    const ls = parseFloat(getComputedStyle(probe).letterSpacing) || 0;
    if (ls < 0.1 * parseFloat(getComputedStyle(probe).fontSize)) return ['the text-spacing styles did not apply'];
    return [...H.sidewaysScroll(), ...H.pastTheEdges(), ...H.lostText()];
  } finally {
    document.adoptedStyleSheets = before;
  }
}
