// How a component notices that its supervisor (`obspath up`) died without stopping it. The supervisor starts
// each component in its own process group (so Ctrl-C reaches only the supervisor) and therefore a SIGKILLed
// supervisor would leave them running, adopted by init. Instead the supervisor hands every child one end of a
// socket pair on a spare fd, named by SUPERVISOR_FD_ENV; the kernel closes the supervisor's end however it dies,
// and the child reads EOF and stops itself with SIGTERM: its normal, graceful shutdown.
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';

export const SUPERVISOR_FD_ENV = 'OBSPATH_SUPERVISOR_FD';
/** The fd the supervisor's socket is on in the child (stdin, stdout, stderr, then this one). */
export const SUPERVISOR_FD = 3;

/**
 * In a supervised process: SIGTERM to itself once the supervisor is gone. Unsupervised (no variable): nothing.
 * The variable is removed at once, so processes this one forks (cluster workers, whose fd 3 is their IPC
 * channel) never mistake another fd for the supervisor's.
 */
export function stopWhenSupervisorGone(): void {
  const value = process.env[SUPERVISOR_FD_ENV];
  delete process.env[SUPERVISOR_FD_ENV];
  if (value === undefined) return;
  const fd = Number(value);
  if (!Number.isInteger(fd) || fd < 3 || !isSocketOrPipe(fd)) return;
  const link = new Socket({ fd, readable: true, writable: false });
  // The watch alone must not keep a component that has finished its work alive.
  link.unref();
  let gone = false;
  const onGone = () => {
    if (gone) return;
    gone = true;
    // The supervisor read our stdout and stderr: from now on writes there fail (EPIPE) and would crash the
    // shutdown half-way; nobody can read them anyway.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    process.kill(process.pid, 'SIGTERM');
  };
  link.on('end', onGone);
  link.on('error', onGone);
  link.resume();
}

function isSocketOrPipe(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isSocket() || st.isFIFO();
  } catch {
    return false;
  }
}
