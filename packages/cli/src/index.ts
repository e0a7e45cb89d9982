/**
 * @nightglow/cli: the `nightglow` program. `runCli(argv, io)` runs it with
 * injected I/O; `COMMANDS` lists the command registrars (add one line there to
 * add a command); `createProgram` builds it for embedding.
 */
export { runCli } from './main.js';
export { CLI_VERSION, createProgram } from './program.js';
export type { CliRuntime } from './program.js';
export { COMMANDS } from './commands/index.js';
export type { CommandRegistrar } from './commands/index.js';
export { createContext, OUTPUT_FORMATS, readEndpointsFile } from './context.js';
export type { CliIo, CommandContext, GlobalOptions, Output, OutputFormat } from './context.js';
export { CliError, ExitCode, RpcFailure, toCliError, usageError } from './errors.js';
export type { ServiceName } from './errors.js';
export { homeDir, parseEndpointsFile, resolveEndpoints, STANDARD_HTTP_PORTS } from './endpoints.js';
export type { Endpoint, EndpointFlags, Endpoints, EndpointsFile } from './endpoints.js';
export { DEMO_ORIGIN, rebaseSpec, rebaseUrl } from './task-run/rebase.js';
