/** Whether `value` is an object JSON.parse could have made: an array or a plain object. */
function isPlainObject(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `parsed` (a value `JSON.parse` returned) and `other` are the same
 * JSON value: the same primitives (`Object.is`), arrays of the same items,
 * plain objects with the same own keys in any order. Iterative, with its own
 * stack: a payload nested 10,000 deep is compared like a flat one, never a
 * `RangeError` (`util.isDeepStrictEqual` and `JSON.stringify` recurse).
 * The work is bounded by the size of `parsed`, so a cyclic `other` ends too.
 *
 * @example
 * sameJson(JSON.parse('{"a":[1,{"b":2}]}'), { a: [1, { b: 2 }] }); // true
 */
export function sameJson(parsed: unknown, other: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[parsed, other]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
      if (!Object.is(a, b)) return false;
      continue;
    }
    if (!isPlainObject(a) || !isPlainObject(b) || Array.isArray(a) !== Array.isArray(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
      stack.push([(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]]);
    }
  }
  return true;
}
