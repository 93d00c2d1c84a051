// Injection tokens of jwt-once/nest: explicit, so no design-type metadata (emitDecoratorMetadata) is needed.

/**
 * The token of the module's options given to `forRootAsync`'s factory result.
 *
 * @example
 * constructor(@Inject(JWT_ONCE_OPTIONS) options: JwtOnceModuleOptions) {}
 */
export const JWT_ONCE_OPTIONS = Symbol.for('jwt-once/nest options');

/**
 * The token of the module's core: the request guard built from the options, and the store to close.
 *
 * @example
 * constructor(@Inject(JWT_ONCE_CORE) core: JwtOnceCore) {}
 */
export const JWT_ONCE_CORE = Symbol.for('jwt-once/nest core');

/** The metadata key of `@Once()`. @example Reflect.getMetadata(ONCE_METADATA, handler) */
export const ONCE_METADATA = 'jwt-once:once';

/** The metadata key of `@SkipOnce()`. @example Reflect.getMetadata(SKIP_ONCE_METADATA, handler) */
export const SKIP_ONCE_METADATA = 'jwt-once:skip';
