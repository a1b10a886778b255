// cli.mjs: the command line shared by the e2e drivers: `--name value`,
// `--name=value` and flags, numbers checked, -h/--help, and --signalling
// required.

/**
 * Fills opts from argv. handle(name, arg) applies one option and returns
 * true, or returns false for an unknown one (an error); arg.take() reads
 * the option's value and arg.number() reads it as a number >= 0.
 */
export function parseOptions(argv, opts, usage, handle) {
  for (let i = 0; i < argv.length; i++) {
    let name = argv[i];
    let inline = null;
    if (name.startsWith('--') && name.includes('=')) {
      inline = name.slice(name.indexOf('=') + 1);
      name = name.slice(0, name.indexOf('='));
    }
    const take = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) throw new Error(`${name} needs a value`);
      return argv[++i];
    };
    const number = () => {
      const v = take();
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: not a number: ${v}`);
      return n;
    };
    if (name === '-h' || name === '--help') {
      process.stderr.write(`${usage}\n`);
      process.exit(2);
    }
    if (!handle(name, { take, number })) throw new Error(`unknown argument ${name}`);
  }
  if (!opts.signalling) throw new Error('--signalling is required');
  return opts;
}
