// The image's runtime tree without a container engine: `npm pack` (what the package ships) plus the production
// dependencies, laid out as the Containerfile's /app; and a bubblewrap sandbox that runs a command from it the
// way the manifests' securityContext does: read-only root, numeric non-root UID, no network but loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../tools/testing/procs.js';

const run = promisify(execFile);

/** The Containerfile's runAsUser, and the manifests'. */
export const POD_UID = 65532;

/**
 * Packs the repo (its `files`: bin/ and dist/, which `npm test` has just built; --ignore-scripts, because
 * `prepare` would rebuild dist/ from scratch under the other tests' feet) and installs the production
 * dependencies from the lock file beside it. Returns the tree's path (world-readable, for the sandbox's UID).
 */
export async function buildRuntimeTree(dir: string): Promise<string> {
  chmodSync(dir, 0o755);
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const app = join(dir, 'app');
  mkdirSync(app);
  await run('tar', ['xzf', join(dir, filename), '-C', app, '--strip-components=1', '--no-same-owner']);
  copyFileSync(join(REPO_ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
  await run('chmod', ['-R', 'a+rX', dir]);
  return app;
}

export interface Mount { path: string; source?: string; emptyDir?: boolean }

/**
 * bwrap arguments for a read-only root with these mounts (ConfigMaps read-only, emptyDirs as tmpfs). A mount
 * point cannot be made inside the read-only root, so each mount's top directory (e.g. /etc) becomes a tmpfs
 * holding read-only binds of the host's entries plus the mounts, then is remounted read-only.
 */
export function sandboxArgs(mounts: readonly Mount[]): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-user', '--uid', String(POD_UID), '--gid', String(POD_UID),
    '--unshare-net', '--unshare-pid', '--unshare-ipc', '--die-with-parent', '--new-session', '--clearenv'];
  const tops = [...new Set(mounts.map((m) => '/' + m.path.split('/')[1]))];
  for (const top of tops) {
    args.push('--tmpfs', top);
    for (const e of readdirSync(top, { withFileTypes: true })) {
      const p = join(top, e.name);
      if (mounts.some((m) => m.path === p)) continue;
      if (e.isSymbolicLink()) args.push('--symlink', readlinkSync(p), p);
      else args.push('--ro-bind', p, p);
    }
  }
  for (const m of mounts) {
    assert.ok(tops.includes(dirname(m.path)), `mount ${m.path}: only mounts directly under a top-level directory are supported`);
    if (m.emptyDir) args.push('--perms', '1777', '--tmpfs', m.path);
    else args.push('--ro-bind', m.source!, m.path);
  }
  for (const top of tops) args.push('--remount-ro', top);
  return args;
}

/** The command line that runs `argv` in the sandbox: bwrap as the pod's UID (setpriv first when we are root). */
export function sandboxed(mounts: readonly Mount[], env: Record<string, string>, argv: string[]): [string, string[]] {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]);
  const bwrap = ['bwrap', ...sandboxArgs(mounts), ...envArgs, '--', ...argv];
  if (process.getuid?.() !== 0) return [bwrap[0]!, bwrap.slice(1)];
  return ['setpriv', [`--reuid=${POD_UID}`, `--regid=${POD_UID}`, '--clear-groups', ...bwrap]];
}
