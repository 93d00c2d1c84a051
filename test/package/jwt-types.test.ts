// jwt-once's own JWT types stand in for @types/jsonwebtoken's in the published
// .d.ts; values typed with either must be assignable to the other. `npm test`
// typechecks this file: a drift is a compile error here.
import type * as jsonwebtoken from 'jsonwebtoken';
import type { Algorithm, JwtHeader, JwtPayload } from '../../src/index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

it('Algorithm, JwtHeader and JwtPayload match @types/jsonwebtoken both ways', () => {
  const same: [
    Same<Algorithm, jsonwebtoken.Algorithm>,
    Same<JwtHeader, jsonwebtoken.JwtHeader>,
    Same<JwtPayload, jsonwebtoken.JwtPayload>,
  ] = [true, true, true];
  expect(same).toEqual([true, true, true]);
});
