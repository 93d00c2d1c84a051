/**
 * Loaded before readme-snippets.ts: the Web snippet runs at the top level of
 * its module (`export const POST = withJwtOnce(...)`, as in a Next.js route
 * module), so `JWT_SECRET` must be set when that file is loaded, as a
 * deployment sets it before the app starts. An empty secret would be a
 * ConfigError at load. The quick starts read `JWT_SECRET`, the other snippets
 * `LINK_SECRET`: one 64-byte value for both.
 */
export const README_SNIPPET_SECRET = 'readme-snippet-secret-0123456789abcdef-0123456789abcdef-012345678';
process.env.JWT_SECRET = README_SNIPPET_SECRET;
process.env.LINK_SECRET = README_SNIPPET_SECRET;
