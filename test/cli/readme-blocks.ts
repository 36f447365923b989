// Reads README.md's ```sh blocks and turns each into a bash script that runs it as written: servers
// (a line ending in "&", or `obspath up` in the foreground) start in the background and the script waits
// until they answer, as a reader waits for the "started" line; every other command must exit 0, or the
// code its trailing comment names ("# exit 1: ...").

export interface ReadmeCommand {
  /** The command as written (continuation lines included, comment kept). */
  text: string;
  /** 1-based line in README.md where it starts. */
  line: number;
  server?: { readyUrls: string[]; upReady?: boolean };
  expectedExit: number;
}

export interface ReadmeBlock {
  line: number;
  commands: ReadmeCommand[];
}

/** Every ```sh block of `markdown`, split into commands (a trailing backslash continues a line). */
export function shellBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    const block: ReadmeBlock = { line: i + 1, commands: [] };
    let j = i + 1;
    let pending: { text: string[]; line: number } | undefined;
    for (; j < lines.length && lines[j]!.trim() !== '```'; j++) {
      const l = lines[j]!;
      if (!pending && (l.trim() === '' || l.trim().startsWith('#'))) continue;
      pending ??= { text: [], line: j + 1 };
      pending.text.push(l);
      if (!/\\\s*$/.test(l)) {
        block.commands.push(classify(pending.text.join('\n'), pending.line));
        pending = undefined;
      }
    }
    if (pending) throw new Error(`README.md:${pending.line}: a command ends with a continuation backslash`);
    blocks.push(block);
    i = j;
  }
  return blocks;
}

/** The command without its trailing comment and continuations, for matching flags. */
function flat(text: string): string {
  return text.split('\n').map((l) => l.replace(/\\\s*$/, '').replace(/\s#\s.*$/, '')).join(' ');
}

function flagValue(cmd: string, flag: string): string | undefined {
  const m = new RegExp(`${flag.replace(/\./g, '\\.')}(?:=|\\s+)(\\S+)`).exec(cmd);
  return m?.[1];
}

function urlOf(addr: string, path: string): string {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`not a listen address: ${addr}`);
  const host = m[1] === '' || m[1] === '0.0.0.0' ? '127.0.0.1' : m[1];
  return `http://${host}:${m[2]}${path}`;
}

/** The listen flags of each server command, their defaults (as in --help) and the path that answers 2xx when ready. */
const SERVERS: Record<string, [flag: string, fallback: string, path: string][]> = {
  issuer: [['--web.listen', '127.0.0.1:8085', '/health']],
  store: [['--web.listen', '127.0.0.1:9091', '/-/ready']],
  api: [['--web.listen', '127.0.0.1:8090', ''], ['--web.internal.listen', '127.0.0.1:8091', '/ready']],
  'token-refresher': [['--web.listen', '127.0.0.1:8080', ''], ['--web.internal.listen', '127.0.0.1:8081', '/ready']],
  'fleet-manager': [['--api-server-bindaddress', 'localhost:8000', ''], ['--metrics-server-bindaddress', 'localhost:8083', '/ready']],
  probe: [['--listen', '127.0.0.1:8095', '/ready']],
  doctor: [['--web.listen', '127.0.0.1:8097', '/ready']],
};

export function classify(text: string, line: number): ReadmeCommand {
  const cmd = flat(text).trim();
  const exit = /#\s*exit (\d+)/.exec(text.split('\n').at(-1)!);
  const expectedExit = exit ? Number(exit[1]) : 0;
  const sub = /npx obspath (\S+)/.exec(cmd)?.[1];
  const background = /&\s*$/.test(cmd);
  const isUp = sub === 'up' && !/--list-faults|--describe-fault|--help/.test(cmd);
  if (!background && !isUp) return { text, line, expectedExit };
  if (isUp) return { text, line, expectedExit, server: { readyUrls: [], upReady: true } };
  const listeners = SERVERS[sub ?? ''];
  if (!listeners) throw new Error(`README.md:${line}: a background command the test does not know how to wait for: ${cmd}`);
  // A probe with --duration is not a server; neither is anything without a listener.
  const readyUrls = listeners.map(([flag, fallback, path]) => `${path ? '' : 'any:'}${urlOf(flagValue(cmd, flag) ?? fallback, path)}`);
  return { text, line, expectedExit, server: { readyUrls } };
}

/**
 * The bash script for one block. Servers run in the background with their output in $LOGS/<line>.log;
 * `ready` polls their URLs (or, for `obspath up`, its "ready in" line) and fails if the server died.
 */
export function blockScript(block: ReadmeBlock, readyTimeoutS: number): string {
  const out = [
    'LOGS="${LOGS:?}"',
    `ready() { # line pid url...
  local line=$1 pid=$2; shift 2
  local deadline=$((SECONDS + ${readyTimeoutS}))
  for url in "$@"; do
    # any:URL only has to answer (a public listener's / may be 404); URL has to answer 2xx.
    local fail=-f; case $url in any:*) url=\${url#any:}; fail= ;; esac
    until curl -s $fail -o /dev/null --max-time 2 "$url"; do
      kill -0 "$pid" 2>/dev/null || { echo "README.md:$line: the server exited before answering $url:" >&2; cat "$LOGS/$line.log" >&2; exit 91; }
      [ $SECONDS -lt $deadline ] || { echo "README.md:$line: no answer from $url within ${readyTimeoutS} s:" >&2; tail -20 "$LOGS/$line.log" >&2; exit 92; }
      sleep 0.2
    done
  done
}`,
    `up_ready() { # line pid
  local deadline=$((SECONDS + ${readyTimeoutS}))
  until grep -q 'obspath up: ready in' "$LOGS/$1.log"; do
    kill -0 "$2" 2>/dev/null || { echo "README.md:$1: obspath up exited:" >&2; cat "$LOGS/$1.log" >&2; exit 91; }
    [ $SECONDS -lt $deadline ] || { echo "README.md:$1: obspath up not ready within ${readyTimeoutS} s:" >&2; tail -20 "$LOGS/$1.log" >&2; exit 92; }
    sleep 0.2
  done
}`,
  ];
  for (const c of block.commands) {
    out.push(`echo "+ README.md:${c.line} at $SECONDS s" >&2`);
    if (c.server) {
      const body = c.text.replace(/&(\s*(#.*)?)$/, '$1');
      out.push(`{\n${body}\n} > "$LOGS/${c.line}.log" 2>&1 &`, `pid=$!`);
      out.push(c.server.upReady ? `up_ready ${c.line} $pid` : `ready ${c.line} $pid ${c.server.readyUrls.map((u) => `'${u}'`).join(' ')}`);
    } else {
      out.push(c.text, `rc=$?; [ $rc -eq ${c.expectedExit} ] || { echo "README.md:${c.line}: exit code $rc, expected ${c.expectedExit}" >&2; exit 93; }`);
    }
  }
  out.push('echo "+ done at $SECONDS s" >&2', 'exit 0');
  return out.join('\n') + '\n';
}
