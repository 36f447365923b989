// The lazily loaded command table (src/cli/commands.ts) lists every command as its module defines it, so
// `obspath --help` reads the same as a program that loaded all of them, and loads none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram, commandNamed, COMMANDS } from '../../src/cli/commands.js';

test('each entry of the command table names and describes its command as the command itself does', async () => {
  for (const entry of COMMANDS) {
    const cmd = await entry.load();
    assert.equal(cmd.name(), entry.name);
    assert.equal(cmd.description(), entry.description, `${entry.name}: description`);
    const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)).join(' ');
    assert.equal(args, entry.args ?? '', `${entry.name}: arguments`);
    assert.ok(cmd.options.length > 0, `${entry.name} has options`);
  }
});

test('obspath --help loads no command and reads exactly as with every command loaded', async () => {
  const lazy = await buildProgram(['--help']);
  assert.ok(lazy.commands.every((c) => c.options.length === 0), 'only stand-ins');
  const eager = await buildProgram(['--help'], { loadAll: true });
  assert.equal(lazy.helpInformation(), eager.helpInformation());
});

test('the command a command line runs is loaded for real, with its own help', async () => {
  assert.equal(commandNamed(['api', '--web.listen', 'x'])?.name, 'api');
  assert.equal(commandNamed(['help', 'doctor'])?.name, 'doctor');
  assert.equal(commandNamed(['--help']), undefined);
  assert.equal(commandNamed(['nope']), undefined);
  for (const entry of COMMANDS) {
    const one = (await buildProgram([entry.name])).commands.find((c) => c.name() === entry.name)!;
    const all = (await buildProgram([entry.name], { loadAll: true })).commands.find((c) => c.name() === entry.name)!;
    assert.ok(one.options.length > 0, `${entry.name} loaded`);
    assert.equal(one.helpInformation(), all.helpInformation(), entry.name);
  }
});
