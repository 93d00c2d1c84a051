#!/usr/bin/env node
/**
 * The `jwt-once` command (package.json `bin`): `npx jwt-once doctor <store-url>`.
 * Runs {@link runDoctor} and exits with its status. Not part of the library's
 * entries: nothing imports this file.
 */
import { runDoctor } from './main.js';

/** Ms the process may linger after the report before it is ended (a driver handle left open). */
const LINGER_MS = 2000;

runDoctor(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (status) => {
    process.exitCode = status;
    setTimeout(() => process.exit(status), LINGER_MS).unref();
  },
  (err: unknown) => {
    process.stderr.write(`jwt-once: ${err instanceof Error ? err.name : 'error'}: the doctor could not run\n`);
    process.exitCode = 2;
    setTimeout(() => process.exit(2), LINGER_MS).unref();
  },
);
