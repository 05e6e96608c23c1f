// An htmx fragment as htmx asks for it (a GET with HX-Request), with this page's cookies:
// [status, markup].
async (url, H) => {
  const response = await fetch(url, {headers: {'HX-Request': 'true', 'HX-Current-URL': location.href}});
  return [response.status, await response.text()];
}
