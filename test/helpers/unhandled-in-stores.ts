/**
 * Jest setup (setupFilesAfterEnv): every suite under test/stores/ fails a test
 * after which an unhandled promise rejection was seen. A store must never
 * leave one, even briefly: apps that exit on `unhandledRejection` would crash.
 */
import { failOnUnhandledRejections } from './outcome.js';

const suite = expect.getState().testPath ?? '';
if (/[\\/]test[\\/]stores[\\/]/.test(suite)) failOnUnhandledRejections();
