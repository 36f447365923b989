// The console's JSON API from another process (`obspath fault`): the running `obspath up` is found through its
// <data>/stack.json (the console URL it writes there), then asked over loopback.
import { resolve } from 'node:path';
import { request } from 'undici';
import { readStackFile, STACK_FILE } from '../../stack-file/stack-file.js';

/** No stack runs in the data directory (the message names the directory and what was tried). */
export class NoStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoStackError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The console URL of the `obspath up` running in `dataDir`; NoStackError when none runs there. */
export async function findConsole(dataDir: string): Promise<string> {
  const file = resolve(dataDir, STACK_FILE);
  const hint = `start one with \`obspath up --data ${dataDir}\`, or give the data directory of the running one with --data`;
  let state;
  try {
    state = (await readStackFile(dataDir)).state;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw new NoStackError(`no running obspath up in ${resolve(dataDir)}: ${file} ${why}; ${hint}`);
  }
  if (state.pid !== undefined && !alive(state.pid)) {
    throw new NoStackError(`no running obspath up in ${resolve(dataDir)}: ${file} was written by pid ${state.pid}, which is not running; ${hint}`);
  }
  if (!state.consoleUrl) throw new NoStackError(`${file} names no console URL (written by an obspath up without a console?); restart it: ${hint}`);
  return state.consoleUrl;
}

export interface ConsoleAnswer {
  status: number;
  body: { status?: string; error?: string; errorType?: string; data?: unknown; [k: string]: unknown };
}

/** One call to the console's API; NoStackError when nothing answers at the URL stack.json names. */
export async function callConsole(consoleUrl: string, method: 'GET' | 'POST' | 'DELETE', path: string, dataDir: string): Promise<ConsoleAnswer> {
  try {
    // An inject answers once the affected components are ready again: up to ~20 s, more on a busy machine.
    const res = await request(`${consoleUrl}${path}`, { method, headersTimeout: 90_000, bodyTimeout: 90_000 });
    const text = await res.body.text();
    let body: ConsoleAnswer['body'];
    try {
      body = JSON.parse(text) as ConsoleAnswer['body'];
    } catch {
      body = { status: 'error', error: `not JSON from ${consoleUrl}${path} (${res.statusCode}): ${text.slice(0, 200)}` };
    }
    return { status: res.statusCode, body };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NoStackError(`no running obspath up in ${resolve(dataDir)}: its stack.json names the console ${consoleUrl}, and ${method} ${path} there failed (${code ?? (err as Error).message})`);
  }
}
