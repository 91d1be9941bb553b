#!/usr/bin/env node
// knot-view's browser test (issue #5, docs/tools.md "Browser test").
//
// For each report: knot-view writes the page (--html), Debian's chromium
// loads it headless from file://, and the checks go through the DOM: the
// Graphviz SVG with one <g class="node"> per graph node and one
// <g class="edge"> per edge, the cycle's nodes and edges carrying the class
// "cycle" (render_dot.cc) drawn in the cycle's red, the cycle chain, the
// pool table, the thread groups (<details class="group">, the cycle's first,
// open and classed "in-cycle") with the sizes and order knot-view's exact
// grouping gives, folding (a click on a group's <summary> opens and closes
// it, knot frames fold inside a stack, Expand all / Collapse all), and the
// filter box (typing hides the groups whose text does not match, clearing it
// shows them all). The page must make no request but its own file:// URL and
// data: URLs (every other one is aborted and fails the test) and log no
// error (a Content-Security-Policy violation is logged as one).
//
// A full-page screenshot of each page, as loaded, is written next to
// --screenshot (the first report's at that path): the CI artifact. Never
// commit it.
//
//   node view_browser_test.mjs --view BUILD/tools/view/knot-view \
//     --report tests/tools/view/data/seed_deadlock.json \
//     [--scenario-reports BUILD/tests/scenarios/reports [--require-scenario-reports]] \
//     [--screenshot OUT.png] [--modules NPM_PREFIX] [--chromium /usr/bin/chromium]
//
// --scenario-reports takes every *.json under the folder whose verdict is a
// deadlock (kind "deadlock" or "self_deadlock") with a cycle. --modules is
// the folder npm installed playwright-core into (npm --prefix; the ctest
// fixture view_browser_npm does that in the build folder). Exits 0 when
// every check passed, 1 when one failed, 2 on bad usage.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// What the environment asks of chromium run as root, offline. Playwright
// adds --headless itself and passes the fresh profile folder made below as
// --user-data-dir.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const CYCLE_RED = '#c62828';  // render_dot.cc kCycleColor
const MAX_DRAWN_NODES = 300;  // render_html.cc kMaxDrawnNodes
const MAX_DRAWN_EDGES = 1000;  // render_html.cc kMaxDrawnEdges
const NO_MATCH = 'zz-no-such-thread-zz';

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

function usage(message) {
  if (message)
    console.error(`view_browser_test: ${message}`);
  console.error(
      'usage: node view_browser_test.mjs --view KNOT_VIEW --report REPORT.json... ' +
      '[--scenario-reports DIR [--require-scenario-reports]] [--screenshot OUT.png] ' +
      '[--modules NPM_PREFIX] [--chromium PATH] [--timeout SECONDS]');
  process.exit(2);
}

function parseArgs(argv) {
  const options = {
    view: null,
    reports: [],
    scenarioReports: null,
    requireScenarioReports: false,
    screenshot: path.resolve('knot-view.png'),
    modules: process.env.KNOT_BROWSER_MODULES || null,
    chromium: '/usr/bin/chromium',
    timeoutSeconds: 240,
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length)
        usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--view': options.view = path.resolve(value()); break;
      case '--report': options.reports.push(path.resolve(value())); break;
      case '--scenario-reports': options.scenarioReports = path.resolve(value()); break;
      case '--require-scenario-reports': options.requireScenarioReports = true; break;
      case '--screenshot': options.screenshot = path.resolve(value()); break;
      case '--modules': options.modules = path.resolve(value()); break;
      case '--chromium': options.chromium = value(); break;
      case '--timeout': {
        options.timeoutSeconds = Number(value());
        if (!(options.timeoutSeconds > 0))
          usage('--timeout needs a positive number of seconds');
        break;
      }
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument '${arg}'`);
    }
  }
  if (!options.view)
    usage('--view is required');
  if (options.reports.length === 0 && !options.scenarioReports)
    usage('give at least one --report or --scenario-reports');
  return options;
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

let passed = 0;
let failed = 0;

function check(label, condition, what, detail = '') {
  if (condition) {
    ++passed;
    console.log(`ok   ${label}: ${what}`);
  } else {
    ++failed;
    console.log(`FAIL ${label}: ${what}${detail ? ` (${detail})` : ''}`);
  }
  return condition;
}

function sameSet(a, b) {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

// ---------------------------------------------------------------------------
// What a report should look like on the page
// ---------------------------------------------------------------------------

// The cycle as render_html.cc's ReportIndex reads it: written open or closed
// (a, b, a), each node to the next and the last back to the first.
function cycleOf(report) {
  const cycle = [...(report.cycle ?? [])];
  if (cycle.length > 1 && cycle[0] === cycle[cycle.length - 1])
    cycle.pop();
  const steps = cycle.map((from, i) => [from, cycle[(i + 1) % cycle.length]]);
  return { nodes: new Set(cycle), steps };
}

// knot-view's exact grouping (aggregate.cc, Similarity::kExact): threads
// share a group when every frame has the same module, function (the offset
// when unsymbolized), file and line. Groups are sorted by size, stable,
// then the ones with a thread in the cycle come first (a pool in the cycle
// counts its workers in).
function expectedGroups(report, cycleNodes) {
  const frameKey = (f) => [f.module ?? '', f.function ? f.function : String(f.offset ?? 0),
    f.file ?? '', String(f.line ?? 0)].join('\x1f');
  const inCycle = (t) => cycleNodes.has(`thread:${t.tid}`) ||
      (t.pool_id !== null && t.pool_id !== undefined && cycleNodes.has(`pool:${t.pool_id}`));
  const byKey = new Map();
  const groups = [];
  for (const thread of report.threads ?? []) {
    const key = (thread.stack ?? []).map(frameKey).join('\x1e');
    let group = byKey.get(key);
    if (!group) {
      group = { threads: [] };
      byKey.set(key, group);
      groups.push(group);
    }
    group.threads.push(thread);
  }
  const sorted = groups
      .map((g, order) => ({ size: g.threads.length, inCycle: g.threads.some(inCycle), order,
        names: g.threads.map((t) => t.name ?? '') }))
      .sort((a, b) => b.size - a.size || a.order - b.order);
  return [...sorted.filter((g) => g.inCycle), ...sorted.filter((g) => !g.inCycle)];
}

function expectations(report) {
  const graph = report.graph ?? { nodes: [], edges: [] };
  const cycle = cycleOf(report);
  const stepKeys = new Set(cycle.steps.map(([from, to]) => `${from}->${to}`));
  const cycleEdges = graph.edges.filter((e) => stepKeys.has(`${e.from}->${e.to}`));
  return {
    nodes: graph.nodes.map((n) => n.id),
    edges: graph.edges.length,
    drawn: graph.nodes.length <= MAX_DRAWN_NODES && graph.edges.length <= MAX_DRAWN_EDGES,
    cycleNodes: cycle.nodes,
    cycleSteps: cycle.steps,
    cycleEdgeTitles: cycleEdges.map((e) => `${e.from}->${e.to}`),
    pools: (report.pools ?? []).length,
    cyclePools: (report.pools ?? []).filter((p) => cycle.nodes.has(`pool:${p.id}`)).length,
    threads: (report.threads ?? []).length,
    groups: expectedGroups(report, cycle.nodes),
  };
}

// ---------------------------------------------------------------------------
// The reports to test
// ---------------------------------------------------------------------------

function jsonFilesUnder(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      found.push(...jsonFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith('.json'))
      found.push(full);
  }
  return found.sort();
}

function isDeadlock(report) {
  const kind = report?.verdict?.kind ?? '';
  return (kind === 'deadlock' || kind === 'self_deadlock') && (report.cycle ?? []).length > 0;
}

function collectReports(options) {
  const cases = options.reports.map((file) => ({
    file, label: path.basename(file, '.json'),
  }));
  if (!options.scenarioReports)
    return cases;
  let files = [];
  if (fs.existsSync(options.scenarioReports))
    files = jsonFilesUnder(options.scenarioReports);
  let deadlocks = 0;
  for (const file of files) {
    let report;
    try {
      report = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      check(path.relative(options.scenarioReports, file), false, 'scenario report is JSON',
            error.message);
      continue;
    }
    if (!isDeadlock(report))
      continue;
    ++deadlocks;
    const relative = path.relative(options.scenarioReports, file);
    const folder = path.dirname(relative);
    const label = folder === '.' ? path.basename(file, '.json') : folder.replaceAll(path.sep, '-');
    cases.push({ file, label });
  }
  const note = `${deadlocks} deadlock reports of ${files.length} under ${options.scenarioReports}`;
  if (options.requireScenarioReports)
    check('scenario reports', deadlocks > 0, 'the scenario suite left deadlock reports', note);
  else
    console.log(`note scenario reports: ${note}`);
  // Two reports from one folder keep distinct names.
  const seen = new Map();
  for (const c of cases) {
    const n = (seen.get(c.label) ?? 0) + 1;
    seen.set(c.label, n);
    if (n > 1)
      c.label = `${c.label}-${n}`;
  }
  return cases;
}

// ---------------------------------------------------------------------------
// One page
// ---------------------------------------------------------------------------

function renderPage(options, testCase, htmlPath) {
  const run = spawnSync(options.view, [testCase.file, '--html', htmlPath],
                        { encoding: 'utf8', timeout: 60_000 });
  const ok = run.status === 0 && fs.existsSync(htmlPath) && fs.statSync(htmlPath).size > 0;
  check(testCase.label, ok, `knot-view --html wrote ${path.basename(htmlPath)}`,
        run.error ? run.error.message : `exit ${run.status}, ${(run.stderr ?? '').trim()}`);
  return ok;
}

async function checkGraph(page, label, want) {
  if (!want.drawn) {
    const rows = await page.locator('#edges tbody tr').count();
    const cycleRows = await page.locator('#edges tbody tr.cycle').count();
    check(label, rows === Math.min(want.edges, 2000),
          `the graph, too large to draw, is a table of ${want.edges} edges`, `${rows} rows`);
    check(label, cycleRows === want.cycleEdgeTitles.length,
          `${want.cycleEdgeTitles.length} table rows of the cycle`, `${cycleRows}`);
    return;
  }
  const graph = await page.evaluate(() => {
    const svg = document.querySelector('#graph > svg');
    if (!svg)
      return null;
    const describe = (g) => ({
      title: g.querySelector('title')?.textContent ?? '',
      cycle: g.classList.contains('cycle'),
      strokes: Array.from(g.querySelectorAll('[stroke]'),
                          (e) => e.getAttribute('stroke').toLowerCase()),
      box: (() => { const r = g.getBoundingClientRect(); return r.width > 0 && r.height > 0; })(),
    });
    const r = svg.getBoundingClientRect();
    return {
      visible: r.width > 0 && r.height > 0,
      nodes: Array.from(svg.querySelectorAll('g.node'), describe),
      edges: Array.from(svg.querySelectorAll('g.edge'), describe),
    };
  });
  if (!check(label, graph !== null, 'the wait-for graph is an inline <svg> in #graph'))
    return;
  check(label, graph.visible, 'the graph is drawn with a size on the page');
  check(label, graph.nodes.length === want.nodes.length && graph.nodes.length > 0,
        `the graph has ${want.nodes.length} nodes`, `${graph.nodes.length} g.node`);
  check(label, graph.edges.length === want.edges, `the graph has ${want.edges} edges`,
        `${graph.edges.length} g.edge`);
  check(label, sameSet(graph.nodes.map((n) => n.title), want.nodes),
        'the nodes are the report\'s graph nodes', graph.nodes.map((n) => n.title).join(', '));
  check(label, graph.nodes.every((n) => n.box), 'every node is laid out with a size');

  const cycleNodes = graph.nodes.filter((n) => n.cycle);
  check(label, cycleNodes.length === want.cycleNodes.size &&
            sameSet(cycleNodes.map((n) => n.title), want.cycleNodes),
        `the cycle's ${want.cycleNodes.size} nodes carry class "cycle"`,
        `highlighted: ${cycleNodes.map((n) => n.title).join(', ')}`);
  const cycleEdges = graph.edges.filter((e) => e.cycle);
  check(label, cycleEdges.length === want.cycleEdgeTitles.length &&
            sameSet(cycleEdges.map((e) => e.title), want.cycleEdgeTitles),
        `the cycle's ${want.cycleEdgeTitles.length} edges carry class "cycle"`,
        `highlighted: ${cycleEdges.map((e) => e.title).join(', ')}`);
  check(label, [...cycleNodes, ...cycleEdges].every((g) => g.strokes.includes(CYCLE_RED)),
        `the cycle is drawn in ${CYCLE_RED}`);
  check(label, graph.nodes.filter((n) => !n.cycle).every((n) => !n.strokes.includes(CYCLE_RED)) &&
            graph.edges.filter((e) => !e.cycle).every((e) => !e.strokes.includes(CYCLE_RED)),
        'nothing outside the cycle is drawn in red');
}

async function checkSections(page, label, want) {
  const chain = await page.locator('#cycle-chain').textContent().catch(() => null);
  check(label, chain !== null && chain.split(' -> ').length === want.cycleSteps.length + 1,
        `the cycle chain has ${want.cycleSteps.length} steps`, chain ?? 'no #cycle-chain');
  const steps = await page.locator('#cycle li').count();
  check(label, steps === want.cycleSteps.length, `the cycle lists ${want.cycleSteps.length} steps`,
        `${steps}`);
  const pools = await page.locator('#pools tbody tr').count();
  const cyclePools = await page.locator('#pools tbody tr.cycle').count();
  check(label, pools === want.pools, `the pool occupancy table has ${want.pools} pools`,
        `${pools} rows`);
  check(label, cyclePools === want.cyclePools, `${want.cyclePools} pools marked in the cycle`,
        `${cyclePools}`);
}

function groupState(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll('details.group'), (d) => ({
    open: d.open,
    hidden: d.hidden,
    inCycle: d.classList.contains('in-cycle'),
    size: parseInt(d.querySelector(':scope > summary > strong')?.textContent ?? '', 10),
    text: d.textContent.toLowerCase(),
  })));
}

async function checkGroups(page, label, want) {
  const heading = (await page.locator('#threads > h2').textContent().catch(() => '')) ?? '';
  const n = want.groups.length;
  check(label, heading.startsWith(`Threads: ${want.threads} in ${n} group${n === 1 ? '' : 's'}`),
        `the heading counts ${want.threads} threads in ${n} groups`, heading);
  const groups = await groupState(page);
  check(label, groups.length === n, `${n} thread groups`, `${groups.length} details.group`);
  const shape = (list) => list.map((g) => `${g.size}${g.inCycle ? '*' : ''}`).join(' ');
  check(label, shape(groups) === shape(want.groups),
        'group sizes, order and in-cycle marks follow exact grouping (* = in the cycle)',
        `page: ${shape(groups)}; expected: ${shape(want.groups)}`);
  check(label, groups.reduce((sum, g) => sum + g.size, 0) === want.threads,
        `the groups hold all ${want.threads} threads`);
  check(label, groups.every((g) => g.open === g.inCycle),
        'the cycle\'s groups start open, the others folded');
  check(label, want.groups.every((g, i) => groups[i] &&
            g.names.every((name) => groups[i].text.includes(name.toLowerCase()))),
        'each group names its threads');
}

async function checkFolding(page, label) {
  const groups = page.locator('details.group');
  const count = await groups.count();
  if (count === 0)
    return;
  const states = await groupState(page);
  // One folded group and one open group (the cycle's), where there are.
  const targets = [...new Set([states.findIndex((g) => !g.open), states.findIndex((g) => g.open)])]
      .filter((i) => i >= 0);
  for (const i of targets) {
    const group = groups.nth(i);
    const stack = group.locator(':scope > .stack');
    const before = await group.evaluate((d) => d.open);
    await group.locator(':scope > summary').click();
    const after = await group.evaluate((d) => d.open);
    const stackShown = await stack.isVisible();
    check(label, after === !before && stackShown === after,
          `a click on group ${i + 1}'s summary ${before ? 'folds' : 'unfolds'} it`,
          `open ${before} -> ${after}, stack visible ${stackShown}`);
    await group.locator(':scope > summary').click();
    const back = await group.evaluate((d) => d.open);
    check(label, back === before && (await stack.isVisible()) === before,
          `a second click ${before ? 'unfolds' : 'folds'} group ${i + 1} again`);
  }

  // knot's frames fold inside a stack.
  const knotFrames = page.locator('details.group[open] details.knot-frames').first();
  if (await knotFrames.count() > 0) {
    const frame = knotFrames.locator('.frame').first();
    const hiddenBefore = !(await frame.isVisible());
    await knotFrames.locator(':scope > summary').click();
    const open = await knotFrames.evaluate((d) => d.open);
    const shown = await frame.isVisible();
    check(label, hiddenBefore && open && shown, 'a click on "… N knot frames" shows the folded frames',
          `hidden before ${hiddenBefore}, open ${open}, shown ${shown}`);
    await knotFrames.locator(':scope > summary').click();
  }

  await page.locator('#expand-all').click();
  check(label, (await groupState(page)).every((g) => g.open), '"Expand all" opens every group');
  await page.locator('#collapse-all').click();
  const collapsed = await groupState(page);
  const stacks = page.locator('details.group > .stack');
  let stacksShown = 0;
  for (let i = 0; i < await stacks.count(); ++i)
    stacksShown += (await stacks.nth(i).isVisible()) ? 1 : 0;
  check(label, collapsed.every((g) => !g.open) && stacksShown === 0,
        '"Collapse all" folds every group and hides every stack', `${stacksShown} stacks shown`);
}

async function visibleGroups(page) {
  const groups = page.locator('details.group');
  const shown = [];
  for (let i = 0; i < await groups.count(); ++i)
    shown.push(await groups.nth(i).isVisible());
  return shown;
}

async function checkFilter(page, label, report) {
  const box = page.locator('#filter');
  if (!check(label, await box.count() === 1, 'the page has a filter box'))
    return;
  const texts = (await groupState(page)).map((g) => g.text);
  const n = texts.length;
  const note = page.locator('#filter-note');

  // A thread's name that matches some groups but not all, where there is one.
  const names = [...new Set((report.threads ?? []).map((t) => (t.name ?? '').trim()).filter(Boolean))];
  const query = names.find((name) => {
    const hits = texts.filter((t) => t.includes(name.toLowerCase())).length;
    return hits > 0 && hits < n;
  });
  if (query !== undefined) {
    await box.fill(query);
    const expected = texts.map((t) => t.includes(query.toLowerCase()));
    const shown = await visibleGroups(page);
    const k = expected.filter(Boolean).length;
    check(label, shown.every((s, i) => s === expected[i]),
          `typing '${query}' keeps the ${k} matching groups and hides ${n - k}`,
          `shown: ${shown.join(',')}; expected: ${expected.join(',')}`);
    const noteText = (await note.textContent()) ?? '';
    check(label, noteText === `${k} of ${n} groups match`, 'the filter says how many groups match', noteText);
  } else {
    console.log(`note ${label}: no thread name matches only some of the ${n} groups`);
  }

  await box.fill(NO_MATCH);
  const none = await visibleGroups(page);
  check(label, none.every((s) => !s), `typing '${NO_MATCH}' hides all ${n} groups`);
  check(label, (await note.textContent()) === `0 of ${n} groups match`, 'the filter says none match');

  await box.fill('');
  const all = await visibleGroups(page);
  check(label, all.length === n && all.every(Boolean), 'clearing the filter shows every group again');
  check(label, (await note.textContent()) === '', 'clearing the filter clears its note');
}

async function testPage(context, options, testCase, htmlPath, screenshotPath) {
  const label = testCase.label;
  const report = JSON.parse(fs.readFileSync(testCase.file, 'utf8'));
  const want = expectations(report);
  const pageUrl = pathToFileURL(htmlPath).href;

  const page = await context.newPage();
  const foreign = [];
  const errors = [];
  page.on('request', (request) => {
    const url = request.url();
    if (url !== pageUrl && !url.startsWith('data:'))
      foreign.push(url);
  });
  page.on('console', (message) => {
    if (message.type() === 'error')
      errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    const response = await page.goto(pageUrl, { waitUntil: 'load' });
    check(label, response === null || response.ok(), `chromium loaded ${pageUrl}`);
    const title = await page.title();
    check(label, title.startsWith('knot: '), 'the page has knot\'s title', title);

    await checkGraph(page, label, want);
    await checkSections(page, label, want);
    await checkGroups(page, label, want);

    // The artifact: the page as a person first sees it.
    await page.screenshot({ path: screenshotPath, fullPage: true });
    const png = fs.existsSync(screenshotPath) ? fs.readFileSync(screenshotPath) : Buffer.alloc(0);
    check(label, png.length > 1000 && png.subarray(1, 4).toString() === 'PNG',
          `screenshot written to ${screenshotPath}`, `${png.length} bytes`);

    await checkFolding(page, label);
    await checkFilter(page, label, report);
  } finally {
    await page.close().catch(() => {});
  }
  check(label, foreign.length === 0, 'the page requested nothing but itself (offline)',
        foreign.slice(0, 5).join(', '));
  check(label, errors.length === 0, 'no errors in the console (script, Content-Security-Policy)',
        errors.slice(0, 5).join(' | '));
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function loadPlaywright(modules) {
  const require = createRequire(modules ? path.join(modules, 'package.json') : import.meta.url);
  try {
    return require('playwright-core');
  } catch (error) {
    console.error(`view_browser_test: cannot load playwright-core${modules ? ` from ${modules}` : ''}: ` +
                  `${error.message}\nInstall it with: npm install --prefix DIR --no-audit ` +
                  '--no-fund --no-package-lock (the ctest fixture view_browser_npm does), ' +
                  'and pass --modules DIR.');
    process.exit(1);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const [what, file] of [['knot-view', options.view], ['chromium', options.chromium]]) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      console.error(`view_browser_test: ${what} not found or not executable: ${file}` +
                    (what === 'chromium' ? ' (apt-get install chromium; see setup.sh)' : ''));
      process.exit(1);
    }
  }
  const { chromium } = loadPlaywright(options.modules);
  const cases = collectReports(options);

  const outDir = path.dirname(options.screenshot);
  fs.mkdirSync(outDir, { recursive: true });
  const stem = path.basename(options.screenshot, '.png');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knot-view-browser-'));
  let context = null;
  let closing = null;
  const close = () => {
    closing ??= (async () => {
      if (context)
        await context.close().catch((error) => console.error(`closing chromium: ${error.message}`));
      fs.rmSync(userDataDir, { recursive: true, force: true });
    })();
    return closing;
  };

  // A hang fails the test before ctest's limit, with chromium closed.
  const watchdog = setTimeout(async () => {
    console.log(`FAIL: the test did not finish within ${options.timeoutSeconds} s`);
    await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    process.exit(1);
  }, options.timeoutSeconds * 1000);

  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: options.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: 120_000,
      acceptDownloads: false,
      serviceWorkers: 'block',
    });
    context.setDefaultTimeout(30_000);
    // Offline: only the page's own file and data: URLs may load.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:'))
        return route.continue();
      return route.abort('blockedbyclient');
    });

    cases.forEach((testCase, i) => {
      testCase.html = path.join(outDir, i === 0 ? `${stem}.html` : `${stem}-${testCase.label}.html`);
      testCase.png = i === 0 ? options.screenshot : path.join(outDir, `${stem}-${testCase.label}.png`);
    });
    for (const testCase of cases) {
      console.log(`---- ${testCase.label}: ${testCase.file}`);
      if (!renderPage(options, testCase, testCase.html))
        continue;
      try {
        await testPage(context, options, testCase, testCase.html, testCase.png);
      } catch (error) {
        check(testCase.label, false, 'the page could be driven', error.message.split('\n')[0]);
      }
    }
  } catch (error) {
    check('chromium', false, `headless chromium (${options.chromium}) started`, error.message.split('\n')[0]);
  } finally {
    await close();
    clearTimeout(watchdog);
  }

  if (failed === 0 && passed === 0)
    check('browser', false, 'ran at least one check');
  console.log(`view_browser_test: ${passed} passed, ${failed} failed`);
  if (failed > 0)
    console.log('view_browser_test: FAILED (see the FAIL lines above)');
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
