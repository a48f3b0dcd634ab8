// Builds the PWA into dist/: `node build.mjs` (the Makefile's `pwa` target runs it).
//
// Output:
//   dist/index.html               the shell page, naming the hashed entry files; it carries the
//                                 critical CSS, a loading state and the interface strings (JSON)
//   dist/assets/*-HASH.{js,css}   every bundle and chunk; immutable, served with long cache headers
//   dist/icons/*.png              app icons (the manifest at the repository root names them)
//   dist/screenshots/*.png        the manifest's screenshots (the install dialog shows them)
//   dist/wasm/zxing_reader.wasm   the scanner's QR decoder, served by us (zxing-wasm would fetch it from a CDN)
//   dist/asset-manifest.json      which file is which: shell, lazy areas, others (bench/pwa_shell.py reads it)
//   dist/service-worker.js        pwa/service-worker.js + src/sw/, with the precache lists and the cache version
//   <file>.br, <file>.gz          beside every text or wasm file: precompressed once here (brotli at its
//                                 best level, too slow per request), served as they are by Caddy
//                                 (`file_server { precompressed br gzip }`) and by server/http/pwa.py
//
// The first load, and why (a student's first visit is often on a weak signal, where each
// round trip costs seconds; bench/first_load.py measures it): the shell page inlines the
// critical CSS (src/boot.css) and shows a loading state before any other file arrives; the
// full stylesheet is linked in the body, after that loading state, so it does not hold its
// paint back, while the app's module script (run once the page is parsed) still waits for
// it: the app never draws unstyled. Every JS file the
// first screen needs is a modulepreload, fetched in parallel with the entry; a deep link into
// a lazy area (/s, /o) preloads that area too, which would otherwise wait for the entry to run;
// the interface strings come in the shell page itself (see i18nAreas).
//
// Precaching, and why: the service worker precaches the shell (all that `/` loads
// before any lazy import, and the wallet's own import()s: the door QR) as one required
// list: the wallet works offline from the first visit. The lazy areas (scanner UI, organisations' area, member pages) are precached as
// separate lists, best effort, so an entrance phone that installed the app online
// can open the scanner with no signal. The zxing WebAssembly (~1 MB) is not
// precached: students never need it; it is cached the first time the scanner loads
// it (runtime cache-first), so the scanner works offline after its first use.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
// Built in .dist-build/<pid>, then swapped in: a failed build leaves the last good dist/
// being served. A folder per build: on a shared checkout two builds may run at once, and
// one must not compress or swap in the other's half-written files.
const BUILDS = path.join(ROOT, '.dist-build');
const OUT = path.join(BUILDS, `${process.pid}`);
const REPO_MANIFEST = path.join(ROOT, '..', 'manifest.webmanifest');
const ZXING_WASM = path.join(ROOT, 'node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm');
const THEME_COLOUR = '#3730a3';
const TARGETS = ['es2020']; // phones from about 2020 on: students' phones are often old

// Areas loaded with import() from src/router.js; other engineers write them. `path`: the
// router's prefix for the area (ROUTES in src/router.js), preloaded on a deep link there.
// The member pages (login, invitation, a sponsor's public page) are areas here too: not
// in the students' shell, opened from a link in a mail or on a sticker (a deep link).
const LAZY_AREAS = {
  scanner: 'src/scanner/ui.js', org: 'src/org/index.js', login: 'src/pages/login.js',
  invitation: 'src/pages/invitation.js', sponsor: 'src/pages/public-sponsor.js',
};
const LAZY_PATHS = { scanner: '/s', org: '/o', login: '/login', invitation: '/invito', sponsor: '/sponsor' };
// The scanner's first screen asks who is logged in (src/scanner/setup.js) once its code has
// run; on a deep link to /s the shell asks at once, and the app's fetch gets the answer
// already on its way (same URL, mode and credentials: a preload a fetch() can take).
const SESSION_PRELOAD = { path: '/s', url: '/api/v1/auth/me' };
// Files worth compressing (PNG is compressed already).
const COMPRESSIBLE = /\.(js|css|html|json|wasm|svg|webmanifest|txt)$/;

/** An area not written yet resolves to `export default null`; the router shows a placeholder. */
const optionalLazyAreas = {
  name: 'optional-lazy-areas',
  setup(build) {
    build.onResolve({ filter: /^\.\/(scanner\/ui|org\/index)\.js$/ }, (args) => {
      const file = path.join(args.resolveDir, args.path);
      if (existsSync(file)) return undefined;
      return { path: path.relative(ROOT, file), namespace: 'missing-area' };
    });
    build.onLoad({ filter: /.*/, namespace: 'missing-area' }, () => ({
      contents: 'export default null;',
      loader: 'js',
    }));
  },
};

const I18N_AREA_FILE = /^[a-z0-9_-]+\.(it|en)\.js$/;
const I18N_ELEMENT = 'i18n-areas';

/** Every src/i18n/<area>.<lang>.js, by language, in file order, and the common words of
 * src/i18n/<lang>.js: {it: [messages, ...], en: [...], common: {it, en}}. */
async function i18nAreaMessages() {
  const dir = path.join(SRC, 'i18n');
  // A query per build: node caches modules by URL, and a second build() in one process must see edits.
  const load = async (name) => (await import(`${pathToFileURL(path.join(dir, name))}?build=${Date.now()}`)).default;
  const files = (await fs.readdir(dir)).filter((name) => I18N_AREA_FILE.test(name)).sort();
  const messages = { it: [], en: [], common: { it: await load('it.js'), en: await load('en.js') } };
  for (const name of files) messages[name.split('.').at(-2)].push(await load(name));
  return messages;
}

/**
 * `import areas from 'i18n-areas'`: every src/i18n/<area>.<lang>.js, so areas add strings
 * without editing i18n.js. The strings themselves (and i18n.js's common words, src/i18n/
 * <lang>.js, which resolve here too) travel in the shell page, as JSON
 * (indexHtml), not in the JavaScript: the page's bytes arrive while the browser waits for
 * the first answer about the scripts it names at the top, a round trip that on a weak
 * signal lasts seconds with the line idle; in the shared chunk they would be downloaded
 * after it, on the first screen's critical path (they are half its size).
 */
const i18nAreas = {
  name: 'i18n-areas',
  setup(build) {
    build.onResolve({ filter: /^i18n-areas$/ }, () => ({ path: 'i18n-areas', namespace: 'i18n-areas' }));
    build.onLoad({ filter: /^i18n-areas$/, namespace: 'i18n-areas' }, () => ({
      contents: `const found = typeof document === 'undefined' ? null : document.getElementById('${I18N_ELEMENT}');
export default found ? JSON.parse(found.textContent) : {it: [], en: [], common: {it: {}, en: {}}};
`,
      loader: 'js',
    }));
    // src/i18n.js's own `import it from './i18n/it.js'` (the common words): from the page too.
    build.onResolve({ filter: /^\.\/i18n\/(it|en)\.js$/ }, (args) => (
      path.resolve(args.resolveDir, args.path).startsWith(path.join(SRC, 'i18n') + path.sep) &&
      args.importer === path.join(SRC, 'i18n.js')
        ? { path: `common-${args.path.slice(7, 9)}`, namespace: 'i18n-areas' } : undefined));
    build.onLoad({ filter: /^common-(it|en)$/, namespace: 'i18n-areas' }, (args) => ({
      contents: `import areas from 'i18n-areas';\nexport default areas.common.${args.path.slice(7)};\n`,
      loader: 'js',
      resolveDir: SRC,
    }));
  },
};

/** JSON inside <script>: nothing in it may close the element or open a comment. */
const scriptJson = (value) => JSON.stringify(value).replace(/</g, '\\u003c');

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const url = (file) => '/' + path.relative(OUT, file).split(path.sep).join('/');

/** The output files an output imports statically, transitively (what loads before any import()). */
function staticClosure(outputs, start) {
  const seen = new Set();
  const stack = [start];
  while (stack.length) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) stack.push(imported.path);
    }
  }
  return seen;
}

async function bundleApp() {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/main.js', styles: 'src/styles.css' },
    outdir: path.join(OUT, 'assets'),
    bundle: true,
    format: 'esm',
    splitting: true,
    minify: true,
    target: TARGETS,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    legalComments: 'none',
    metafile: true,
    plugins: [optionalLazyAreas, i18nAreas],
    logLevel: 'warning',
  });
  const outputs = result.metafile.outputs;
  const byEntry = {};
  for (const [file, output] of Object.entries(outputs)) {
    if (output.entryPoint) byEntry[output.entryPoint] = file;
  }
  const main = byEntry['src/main.js'];
  const styles = byEntry['src/styles.css'];
  const shell = new Set([...staticClosure(outputs, main), styles]);
  const lazy = {};
  for (const [area, entry] of Object.entries(LAZY_AREAS)) {
    const file = byEntry[entry] ?? byEntry[`missing-area:${entry}`];
    lazy[area] = file ? [...staticClosure(outputs, file)].filter((f) => !shell.has(f)) : [];
  }
  // The wallet's own import()s (the door QR, src/wallet/presentation-lazy.js): off the first
  // screen's critical path, so not preloaded, but precached with the shell (required): a
  // student must be able to show a voucher offline after the first visit.
  const areaFiles = new Set(Object.values(LAZY_AREAS).flatMap((entry) => [byEntry[entry], byEntry[`missing-area:${entry}`]]));
  // Transitively: a lazy screen may import() in turn (the voucher page, the door QR).
  const walletChunks = new Set();
  const pending = [...shell];
  while (pending.length) {
    for (const imported of outputs[pending.pop()]?.imports ?? []) {
      if (imported.kind !== 'dynamic-import' || imported.external || areaFiles.has(imported.path)) continue;
      for (const f of staticClosure(outputs, imported.path)) {
        if (shell.has(f) || walletChunks.has(f)) continue;
        walletChunks.add(f);
        pending.push(f);
      }
    }
  }
  const listed = new Set([...shell, ...walletChunks, ...Object.values(lazy).flat()]);
  const others = Object.keys(outputs).filter((f) => !listed.has(f) && !f.endsWith('.map'));
  const abs = (f) => path.join(ROOT, f);
  return {
    main: abs(main),
    styles: abs(styles),
    shell: [...shell].map(abs),
    walletChunks: [...walletChunks].map(abs),
    lazy: Object.fromEntries(Object.entries(lazy).map(([area, files]) => [area, files.map(abs)])),
    others: others.map(abs),
  };
}

/** The PNGs of pwa/<dir>/ copied into dist/<dir>/; their paths in dist/. */
async function copyPngs(dir) {
  await fs.mkdir(path.join(OUT, dir), { recursive: true });
  const names = (await fs.readdir(path.join(ROOT, dir))).filter((name) => name.endsWith('.png'));
  for (const name of names) await fs.copyFile(path.join(ROOT, dir, name), path.join(OUT, dir, name));
  return names.map((name) => path.join(OUT, dir, name));
}

async function copyStatic() {
  const icons = await copyPngs('icons');
  // Not precached, unlike the icons: only the browser's install dialog shows them, and
  // it is online; ~40 KB a student's phone need not download at the first visit.
  const screenshots = await copyPngs('screenshots');
  if (!existsSync(ZXING_WASM)) throw new Error(`zxing-wasm's reader not found at ${ZXING_WASM}: run npm ci`);
  await fs.mkdir(path.join(OUT, 'wasm'), { recursive: true });
  const wasm = path.join(OUT, 'wasm', 'zxing_reader.wasm');
  await fs.copyFile(ZXING_WASM, wasm);
  return { icons, screenshots, wasm: [wasm] };
}

/** A classic inline script: on a deep link into a lazy area, preload that area's files now
 * (and, for the scanner, the session answer its first screen waits for). */
function lazyPreloadScript(lazy) {
  const byPath = Object.fromEntries(Object.entries(lazy).filter(([area, files]) => LAZY_PATHS[area] && files.length)
    .map(([area, files]) => [LAZY_PATHS[area], files.map((file) => ['modulepreload', url(file)])]));
  (byPath[SESSION_PRELOAD.path] ??= []).push(['fetch', SESSION_PRELOAD.url]);
  return `  <script>(function(p,a){for(var k in a)if(p===k||p.indexOf(k+'/')===0)a[k].forEach(function(f){` +
    `var l=document.createElement('link');if(f[0]==='fetch'){l.rel='preload';l.as='fetch';l.crossOrigin='anonymous'}` +
    `else l.rel=f[0];l.href=f[1];document.head.appendChild(l)})})(location.pathname,${JSON.stringify(byPath)})</script>\n`;
}

async function criticalCss() {
  const source = await fs.readFile(path.join(SRC, 'boot.css'), 'utf8');
  const { code } = await esbuild.transform(source, { loader: 'css', minify: true, target: TARGETS });
  return code.trim();
}

function indexHtml({ main, styles, preload, lazy, critical, messages }) {
  const preloads = preload.map((file) => `  <link rel="modulepreload" href="${url(file)}">\n`).join('');
  return `<!doctype html>
<html lang="it">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <title>Mentoring</title>
  <meta name="description" content="Buoni cultura per studenti">
  <meta name="theme-color" content="${THEME_COLOUR}">
  <style>${critical}</style>
  <script type="module" src="${url(main)}"></script>
${preloads}${lazyPreloadScript(lazy)}  <link rel="manifest" href="/manifest.webmanifest">
  <link rel="icon" type="image/png" href="/icons/icon-192.png">
  <link rel="apple-touch-icon" href="/icons/icon-192.png">
</head>
<body>
  <div id="app"><div class="boot-bar">Mentoring</div><div class="boot" role="status"><span class="boot-spinner"></span>Caricamento… <span lang="en">Loading…</span></div></div>
  <link rel="stylesheet" href="${url(styles)}">
  <script type="application/json" id="${I18N_ELEMENT}">${scriptJson(messages)}</script>
  <noscript>Per usare Mentoring attiva JavaScript. / Mentoring needs JavaScript.</noscript>
</body>
</html>
`;
}

/** Every compressible file in `dir`, with `.br` and `.gz` beside it when they are smaller. */
async function precompress(dir) {
  const brotli = (data) => zlib.brotliCompressSync(data, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
  } });
  const gzip = (data) => zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION });
  let written = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const data = await fs.readFile(file);
    for (const [suffix, compress] of [['.br', brotli], ['.gz', gzip]]) {
      const packed = compress(data);
      if (packed.length < data.length) {
        await fs.writeFile(file + suffix, packed);
        written += 1;
      }
    }
  }
  return written;
}

/** The cache version: a digest of every file the worker may serve, so any change makes a new worker. */
async function contentVersion(files) {
  const lines = [];
  for (const file of [...files].sort()) lines.push(`${url(file)} ${sha256(await fs.readFile(file))}`);
  lines.push(`/manifest.webmanifest ${sha256(await fs.readFile(REPO_MANIFEST))}`);
  return sha256(lines.join('\n')).slice(0, 16);
}

async function bundleWorker(build) {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['service-worker.js'],
    outfile: path.join(OUT, 'service-worker.js'),
    bundle: true,
    format: 'iife', // classic worker: module service workers are not everywhere yet
    minify: true,
    target: TARGETS,
    legalComments: 'none',
    define: { __MENTORING_BUILD__: JSON.stringify(build) },
    logLevel: 'warning',
  });
}

async function swapIntoPlace() {
  const old = path.join(BUILDS, `old-${process.pid}`);
  await fs.rm(old, { recursive: true, force: true });
  await fs.mkdir(old, { recursive: true });
  // Another build may swap in between our two renames: then its dist/ is moved aside too
  // and we try again (the last build to finish is served; both came from the same sources).
  for (let attempt = 0; ; attempt += 1) {
    try {
      await fs.rename(DIST, path.join(old, `${attempt}`));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error; // no dist/ yet
    }
    try {
      await fs.rename(OUT, DIST);
      break;
    } catch (error) {
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 5) throw error;
    }
  }
  await fs.rm(old, { recursive: true, force: true });
}

export async function build() {
  try {
    return await buildInto();
  } finally {
    await fs.rm(OUT, { recursive: true, force: true }); // a failed build's half (a good one was renamed)
  }
}

async function buildInto() {
  await fs.rm(OUT, { recursive: true, force: true });
  await fs.mkdir(OUT, { recursive: true });
  const app = await bundleApp();
  const statics = await copyStatic();
  const index = path.join(OUT, 'index.html');
  const preload = app.shell.filter((f) => f.endsWith('.js') && f !== app.main);
  await fs.writeFile(index, indexHtml({ main: app.main, styles: app.styles, preload, lazy: app.lazy,
    critical: await criticalCss(), messages: await i18nAreaMessages() }));

  const lazyFiles = Object.values(app.lazy).flat();
  const version = await contentVersion([index, ...app.shell, ...app.walletChunks, ...lazyFiles, ...app.others, ...statics.icons,
    ...statics.screenshots, ...statics.wasm]);
  const shell = ['/', ...app.shell.map(url), ...app.walletChunks.map(url), '/manifest.webmanifest',
    ...statics.icons.map(url)];
  const lazy = Object.fromEntries(Object.entries(app.lazy).map(([area, files]) => [area, files.map(url)]));
  const manifest = {
    version,
    entry: { main: url(app.main), styles: url(app.styles) },
    shell,
    // In `shell` too (precached, required), but not preloaded: the wallet imports them on demand.
    wallet_lazy: app.walletChunks.map(url),
    lazy,
    others: app.others.map(url),
    wasm: statics.wasm.map(url),
  };
  await fs.writeFile(path.join(OUT, 'asset-manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await bundleWorker({ version, shell, lazy });
  await precompress(OUT);
  await swapIntoPlace();
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = await build();
  const lazyCount = Object.values(manifest.lazy).flat().length;
  console.log(`pwa: built dist/ (version ${manifest.version}; shell ${manifest.shell.length} files, ` +
    `lazy ${lazyCount}, other ${manifest.others.length})`);
}
