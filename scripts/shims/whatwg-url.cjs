// node-fetch 2 requires whatwg-url (with 260 KB of Unicode tables from tr46) only for its URL
// class. Node's global URL is the same WHATWG URL, so the bundles use it instead.
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
