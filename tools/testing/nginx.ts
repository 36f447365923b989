import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, waitForStart, type Proc } from './procs.js';
import { httpOk, tempDir } from './net.js';

export interface Nginx {
  url: string;
  proc: Proc;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in the foreground with one worker (the Node servers under test are single-threaded
 * too), a private prefix and the given `server { ... }` body on a loopback port.
 */
export async function startNginx(port: number, conf_: { http?: string; server: string }): Promise<Nginx> {
  const dir = await tempDir('obspath-nginx-');
  await mkdir(join(dir.path, 'logs'), { recursive: true });
  const conf = join(dir.path, 'nginx.conf');
  await writeFile(conf, `
worker_processes 1;
daemon off;
pid ${dir.path}/nginx.pid;
error_log ${dir.path}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir.path}/body;
  proxy_temp_path ${dir.path}/proxy;
  fastcgi_temp_path ${dir.path}/fastcgi;
  uwsgi_temp_path ${dir.path}/uwsgi;
  scgi_temp_path ${dir.path}/scgi;
  keepalive_requests 100000;
  ${conf_.http ?? ''}
  server {
    listen 127.0.0.1:${port};
    location = /-/nginx-health { return 200 'ok'; }
    ${conf_.server}
  }
}
`);
  const proc = startProcess('nginx', ['-p', dir.path, '-c', conf]);
  const url = `http://127.0.0.1:${port}`;
  await waitForStart(proc, () => httpOk(`${url}/-/nginx-health`), 10_000, `nginx\n${proc.output()}`);
  return { url, proc, stop: async () => { await proc.stop(); await dir.cleanup(); } };
}
