// The import rule of issue 12: one folder per hop; no hop imports another hop; what hops share is a library
// folder under src/ that imports no hop; only src/cli imports src/cli; no value-import cycle. The rule holds
// without exceptions; ALLOWED stays empty unless an arrow is knowingly kept for a while, and then every listed
// arrow must still exist (the list only shrinks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSrc, arrow, type ImportEdge } from '../../scripts/imports.js';
import { tempDir } from '../../tools/testing/net.js';

/** Arrows still allowed: exact "from -> to" pairs of files (type-only imports count as arrows too). */
const ALLOWED = new Set<string>([]);

const pair = (e: ImportEdge) => `${e.from} -> ${e.to}`;

interface Violations {
  arrows: ImportEdge[];
  stale: string[];
  cli: ImportEdge[];
  cycles: string[][];
}

function violations(r: ReturnType<typeof analyzeSrc>, allowed: ReadonlySet<string>): Violations {
  const crossing = [...r.hopToHop, ...r.libraryToHop];
  const present = new Set(crossing.map(pair));
  return {
    arrows: crossing.filter((e) => !allowed.has(pair(e))),
    stale: [...allowed].filter((p) => !present.has(p)),
    cli: r.toCli,
    cycles: r.cycles,
  };
}

const r = analyzeSrc();
const v = violations(r, ALLOWED);

test('no hop imports another hop and no library imports a hop, but for the listed arrows', () => {
  assert.deepEqual(v.arrows.map(arrow), [], `arrows that break the rule (move what is shared into a library folder under src/):\n${v.arrows.map(arrow).join('\n')}`);
});

test('every listed arrow still exists (remove the ones a move has removed)', () => {
  assert.deepEqual(v.stale, [], `listed arrows that no longer exist:\n${v.stale.join('\n')}`);
});

test('only src/cli imports src/cli', () => {
  assert.deepEqual(v.cli.map(arrow), [], `imports of cli/ from outside it:\n${v.cli.map(arrow).join('\n')}`);
});

test('no value-import cycle (type-only imports erased)', () => {
  assert.deepEqual(v.cycles, [], `value-import cycles:\n${v.cycles.map((c) => c.join(' <-> ')).join('\n')}`);
});

test('the check finds each kind of violation in a tree that has them', async () => {
  const dir = await tempDir('obspath-imports-');
  try {
    const file = (path: string, text: string) => {
      mkdirSync(join(dir.path, 'src', path, '..'), { recursive: true });
      writeFileSync(join(dir.path, 'src', path), text);
    };
    file('api/a.ts', "import { b } from '../store/b.js';\nexport const a = b;\n");
    file('store/b.ts', 'export const b = 1;\n');
    file('store/c.ts', "import type { b } from '../fleet/d.js';\nexport type C = typeof b;\n");
    file('fleet/d.ts', 'export const b = 2;\n');
    file('shared/e.ts', "import { b } from '../probe/f.js';\nexport const e = b;\n");
    file('probe/f.ts', "import { g } from '../cli/g.js';\nexport const b = g;\n");
    file('cli/g.ts', 'export const g = 3;\n');
    file('promql/h.ts', "import { i } from './i.js';\nexport const h = () => i;\n");
    file('promql/i.ts', "import { h } from './h.js';\nexport const i = () => h;\n");
    const found = violations(analyzeSrc(dir.path), new Set(['src/api/a.ts -> src/store/b.ts', 'src/doctor/x.ts -> src/refresher/y.ts']));
    assert.deepEqual(found.arrows.map(pair).sort(), ['src/shared/e.ts -> src/probe/f.ts', 'src/store/c.ts -> src/fleet/d.ts']);
    assert.deepEqual(found.stale, ['src/doctor/x.ts -> src/refresher/y.ts']);
    assert.deepEqual(found.cli.map(pair), ['src/probe/f.ts -> src/cli/g.ts']);
    assert.deepEqual(found.cycles, [['src/promql/h.ts', 'src/promql/i.ts']]);
  } finally {
    await dir.cleanup();
  }
});
