// Put text on the clipboard (the paste check then presses Ctrl+V, as a person would).
(text, H) => navigator.clipboard.writeText(text)
