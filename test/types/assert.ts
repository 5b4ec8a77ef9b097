/** Type-level assertions, checked by `tsc -p tsconfig.types.json`; nothing here runs. */

/** True only for `any`: `1 & T` is `any` for `any` and narrower than `0` for every other type. */
export type IsAny<T> = 0 extends 1 & T ? true : false;

/** Exact type equality. Unlike mutual assignability, it distinguishes `any` from other types. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export type Expect<T extends true> = T;
export type ExpectFalse<T extends false> = T;

/** Whether key `K` of `T` is optional. */
export type IsOptional<T, K extends keyof T> = object extends Pick<T, K> ? true : false;
