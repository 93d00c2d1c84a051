import express from 'express';

/** Express 5 (`express`) and Express 4 (`express4`, an npm alias): both in the peer range, both tested. */
export const EXPRESS_VERSIONS: ReadonlyArray<[name: string, express: typeof express]> = [
  ['Express 5', express],
  // Express 4's API is the part of Express 5's types these tests use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the alias has no types of its own
  ['Express 4', require('express4') as typeof express],
];
