#!/usr/bin/env node
/** The `zwire` command: RPC calls, streams, subscriptions and introspection against zwire servers, and a raw WebSocket session. */
import { Exit, HELP, parseArgs, UsageError } from './args.js';
import { connectCommand } from './connect-command.js';
import { Output } from './output.js';
import { callCommand, describeCommand, report } from './rpc-commands.js';
import { subCommand } from './sub-command.js';

async function main(argv: readonly string[]): Promise<number> {
  let out = new Output(argv.includes('--json'));
  try {
    const args = parseArgs(argv);
    out = new Output(args.json);
    switch (args.command) {
      case 'call':
        return await callCommand(args, out, 'unary');
      case 'watch':
        return await callCommand(args, out, 'stream');
      case 'sub':
        return await subCommand(args, out);
      case 'describe':
        return await describeCommand(args, out);
      case 'connect':
        return await connectCommand(args, out);
      case 'help':
        process.stdout.write(HELP);
        return Exit.OK;
      case '':
        process.stderr.write(HELP);
        return Exit.USAGE;
      default:
        throw new UsageError(`unknown command ${args.command} (try zwire --help)`);
    }
  } catch (err) {
    return report(err, out);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
