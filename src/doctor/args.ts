/** The command line of `jwt-once`: `jwt-once doctor <store-url> [--json] [--strict] [--timeout <ms>]`. */
import { maskUrl } from './redact.js';

/**
 * The usage text printed by `--help`, and with exit status 2 after bad arguments.
 * @example
 * process.stderr.write(`${USAGE}\n`);
 */
export const USAGE = `Usage: jwt-once doctor [<store-url>] [--json] [--strict] [--timeout <ms>]

Connects to a jwt-once store and checks that it keeps every JWT single-use.

  <store-url>      redis://, rediss://, postgres://, postgresql://, sqlite:// or memory://,
                   as given to the store option (default: $JWT_ONCE_STORE)
  --json           print the report as JSON instead of a table
  --strict         treat warnings as failures (exit status 1)
  --timeout <ms>   most ms to wait for a connection or one command (default 5000)
  -h, --help       print this help

Exit status: 0 safe, 1 a check failed, 2 cannot connect or bad arguments.
Passwords in the URL are never printed.`;

/**
 * What the command line asks for.
 * @example
 * const args: DoctorArgs = { url: 'redis://127.0.0.1:6379', json: false, strict: false, timeout: 5000 };
 */
export interface DoctorArgs {
  readonly url: string;
  /** Print JSON instead of a table. @default false */
  readonly json: boolean;
  /** Warnings fail too. @default false */
  readonly strict: boolean;
  /** Most ms per connection or command. @default 5000 */
  readonly timeout: number;
}

/**
 * The result of {@link parseArgs}: what to run, the help, or what was wrong.
 * @example
 * const parsed: ParsedArgs = { kind: 'error', message: 'no command given' };
 */
export type ParsedArgs = { kind: 'run'; args: DoctorArgs } | { kind: 'help' } | { kind: 'error'; message: string };

/**
 * Default ms per connection or command.
 * @example
 * parseArgs(['doctor', 'memory://'], {}); // timeout: DEFAULT_TIMEOUT
 */
export const DEFAULT_TIMEOUT = 5000;

/**
 * Reads `argv` (without `node` and the script): the `doctor` command, one
 * store URL (or `JWT_ONCE_STORE` from `env`), and the flags.
 *
 * @example
 * parseArgs(['doctor', 'redis://127.0.0.1:6379', '--json'], {});
 * // { kind: 'run', args: { url: 'redis://127.0.0.1:6379', json: true, strict: false, timeout: 5000 } }
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedArgs {
  if (argv.length === 0) return { kind: 'error', message: 'no command given' };
  if (argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'doctor')
    return { kind: 'error', message: `unknown command "${command!.includes('://') ? maskUrl(command!) : command}"` };
  let json = false;
  let strict = false;
  let timeout = DEFAULT_TIMEOUT;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--strict') strict = true;
    else if (arg === '--timeout' || arg.startsWith('--timeout=')) {
      const value = arg === '--timeout' ? rest[++i] : arg.slice('--timeout='.length);
      const ms = Number(value);
      if (value === undefined || value.trim() === '' || !Number.isInteger(ms) || ms < 1 || ms > 600_000) {
        return { kind: 'error', message: '--timeout needs a whole number of ms between 1 and 600000' };
      }
      timeout = ms;
    } else if (arg.startsWith('-') && arg !== '-') return { kind: 'error', message: `unknown option "${arg}"` };
    else positional.push(arg);
  }
  if (positional.length > 1) return { kind: 'error', message: 'give one store URL' };
  const url = positional[0] ?? env.JWT_ONCE_STORE;
  if (url === undefined || url.trim() === '') return { kind: 'error', message: 'no store URL given (and JWT_ONCE_STORE is not set)' };
  return { kind: 'run', args: { url: url.trim(), json, strict, timeout } };
}
