import { z } from 'zod';

/** Every message and event carries the version of its schema; bump it on a breaking change. */
export const schemaVersion = z.literal(1);

export const taskId = z.number().int().positive();
/** 1 for the first delivery of a task message, 2 for the first redelivery, ... */
export const attempt = z.number().int().positive();
export const isoTime = z.iso.datetime({ offset: true });
/** Koji arch names (`x86_64`, `noarch`, `aarch64`, ...). Also used in queue names. */
export const arch = z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'expected a Koji arch name');
/** A Koji task method (`buildArch`, `newRepo`, ...). */
export const method = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'expected a Koji method name');
export const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'expected an identifier');
