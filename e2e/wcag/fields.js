// 3.3.8 / 1.3.5: the IIN, password and code fields a person fills in (not the read-only ones,
// such as the cabinet's binding password shown for copying), their autocomplete token, and
// whether a paste handler cancels a paste (a synthetic paste event that nobody may cancel).
(arg, H) => {
  const fields = [];
  for (const el of document.querySelectorAll('input')) {
    if (!H.visible(el) || el.readOnly || el.disabled) continue;
    const kind = el.type === 'password' || el.id === 'password' || el.id === 'password_repeat' ? 'password'
      : /iin$/i.test(el.id) ? 'iin'
      : (el.autocomplete === 'one-time-code' || /(^|[-_])(code|otp)$/i.test(el.id)) ? 'code' : null;
    if (!kind) continue;
    const dt = new DataTransfer();
    dt.setData('text/plain', '123456');
    const ev = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
    const pasteAllowed = el.dispatchEvent(ev);
    fields.push({id: el.id, kind, autocomplete: el.getAttribute('autocomplete'), pasteAllowed,
                 what: H.describe(el), value: el.value});
  }
  return fields;
}
