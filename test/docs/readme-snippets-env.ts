/**
 * Loaded before readme-snippets.ts: the Web snippet runs at the top level of
 * its module (`export const POST = withJwtOnce(...)`, as in a Next.js route
 * module), so `LINK_SECRET` must be set when that file is loaded, as a
 * deployment sets it before the app starts. An empty secret would be a
 * ConfigError at load.
 */
export const README_SNIPPET_SECRET = 'readme-snippet-secret-0123456789abcdef';
process.env.LINK_SECRET = README_SNIPPET_SECRET;
