// Writes one TypeScript file per Block Kit golden file of the repository
// (**/testdata/*.golden.json), each holding the golden as a typed object literal, so
// that `tsc --noEmit --strict` checks it against Slack's own definitions (@slack/types):
// a field Slack does not know, a wrong type or a misspelt enum fails the build.
//
// Shapes: an array is a blocks array; an object whose type is "modal" or "home" is a
// view; an object with "blocks" is a message (text, blocks). Anything else is not Block
// Kit and is listed as skipped. Blocks are checked as KnownBlock (never the generic
// Block, which would accept any block).
import { readdirSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const out = join(here, 'generated');

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git' || e.name === 'generated') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.golden.json') && dirname(p).split(sep).pop() === 'testdata') yield p;
  }
}

function kind(v) {
  if (Array.isArray(v)) return v.every((b) => b && typeof b === 'object' && typeof b.type === 'string') ? 'Blocks' : null;
  if (!v || typeof v !== 'object') return null;
  if (v.type === 'modal') return 'Modal';
  if (v.type === 'home') return 'Home';
  if (Array.isArray(v.blocks)) return 'Message';
  return null;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'types.ts'), `import type { HomeView, KnownBlock, MessageMetadata, ModalView } from '@slack/types';

// Views as Slack defines them, but with known blocks only.
export type Modal = Omit<ModalView, 'blocks'> & { blocks: KnownBlock[] };
export type Home = Omit<HomeView, 'blocks'> & { blocks: KnownBlock[] };
export type Blocks = KnownBlock[];
// What vosbot sends with chat.postMessage / chat.update: fallback text and blocks.
export interface Message {
  text?: string;
  blocks: KnownBlock[];
  metadata?: MessageMetadata;
}
`);

let checked = 0;
const skipped = [];
for (const path of [...walk(root)].sort()) {
  const rel = relative(root, path);
  const text = readFileSync(path, 'utf8');
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    console.error(`${rel}: not JSON: ${err.message}`);
    process.exit(1);
  }
  const k = kind(value);
  if (!k) {
    skipped.push(rel);
    continue;
  }
  const target = join(out, rel.replace(/\.json$/, '.ts'));
  mkdirSync(dirname(target), { recursive: true });
  const types = relative(dirname(target), join(out, 'types.js')).split(sep).join('/');
  writeFileSync(target, `// Generated from ${rel.split(sep).join('/')}; do not edit.\nimport type { ${k} } from '${types.startsWith('.') ? types : './' + types}';\n\nexport const golden: ${k} = ${text.trimEnd()};\n`);
  checked++;
}
console.log(`blockkit-check: ${checked} Block Kit golden files to type-check${skipped.length ? `; skipped (not Block Kit): ${skipped.join(', ')}` : ''}`);
if (checked === 0) {
  console.error('blockkit-check: no golden files found');
  process.exit(1);
}
