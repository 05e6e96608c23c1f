// 1.4.10 Reflow (run at 320×640): no sideways scroll, nothing past the edges, no text cut off.
async (arg, H) => {
  await H.frames();
  return [...H.sidewaysScroll(), ...H.pastTheEdges(), ...H.lostText()];
}
