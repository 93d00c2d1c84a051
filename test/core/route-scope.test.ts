import { METHODS } from 'node:http';
import { foldMountPath, methodsLabel, routeLabel, sharedMethods } from '../../src/route-scope.js';
import { percentEncodings } from '../helpers/spellings.js';

describe('route labels', () => {
  it('label the methods a route is registered for: upper case, HEAD as GET, sorted; * for every method', () => {
    expect(routeLabel('HEAD', '/magic/:id')).toBe('GET /magic/:id');
    expect(routeLabel(['post', 'HEAD', 'GET', 'get'], '/x')).toBe('GET,POST /x');
    expect(methodsLabel(['*', 'GET'])).toBe('*');
    expect(
      methodsLabel(
        METHODS.map((m) => m.toLowerCase()),
        METHODS,
      ),
    ).toBe('*');
    expect(
      methodsLabel(
        METHODS.filter((m) => m !== 'PURGE'),
        METHODS,
      ),
    ).not.toBe('*');
  });

  it('group the routes of one pattern that share a method, transitively, whatever method reached them', () => {
    const routes = [['HEAD', 'GET'], ['POST', 'PUT'], ['PUT', 'PATCH'], ['DELETE']];
    for (const method of ['POST', 'PUT', 'PATCH']) expect(sharedMethods(routes, method)).toEqual(['PATCH', 'POST', 'PUT']);
    expect(sharedMethods(routes, 'HEAD')).toEqual(['GET']);
    expect(sharedMethods(routes, 'DELETE')).toEqual(['DELETE']);
    expect(sharedMethods(routes, 'OPTIONS')).toBeUndefined();
  });

  it('fold every spelling of one mount value into one: encodings, case, slashes', () => {
    const folded = new Set([...percentEncodings('acme'), 'ACME', '%41cMe', 'acme/', 'acme//'].map((value) => foldMountPath(`/${value}`)));
    expect([...folded]).toEqual(['/acme']);
    expect(foldMountPath('/API//v1/')).toBe('/api/v1');
    expect(foldMountPath('/%zz')).toBe('/%zz'); // no decoding: kept as sent
    expect(foldMountPath('/caf%C3%A9')).toBe(foldMountPath('/cafe%CC%81'));
  });
});
