/** The portal page's files (portal/): the URL each is served at and its content type. */
export const PAGE_FILES = [
  { url: '/', file: 'index.html', contentType: 'text/html; charset=utf-8' },
  { url: '/app.js', file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  { url: '/app.css', file: 'app.css', contentType: 'text/css; charset=utf-8' },
] as const;
