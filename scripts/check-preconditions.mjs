#!/usr/bin/env node
// Every `/* Precondition: TEXT */` comment in src/ must have a test whose title (the first argument
// of an it(...) or test(...) call in test/**) contains TEXT. Both sides are normalised the same way:
// lower case, runs of whitespace as one space, trailing punctuation dropped. Skipped and todo tests
// do not count. Exits 1 with the list of comments that have no test.
//
// A pending list (one "path<TAB>text" a line, # comments) names comments known to lack a test: they
// are reported but do not fail the check, and an entry that has since got its test, or whose comment
// is gone, fails it (so the list only shrinks).
//
//   node scripts/check-preconditions.mjs [--src DIR] [--test DIR] [--pending FILE]
//   (defaults: src, test, scripts/preconditions-pending.txt when it exists)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const PRECONDITION = /\/\*\s*Precondition:\s*([\s\S]*?)\*\//g;
/** Modifiers of it/test that still run the test (skip and todo do not). */
const RUNNING_MODIFIERS = new Set([
  "each",
  "concurrent",
  "sequential",
  "skipIf",
  "runIf",
  "fails",
  "only",
  "for",
]);

export function normalise(text) {
  return text
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\s.,;:!?]+$/, "");
}

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") out.push(...filesUnder(path));
    } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      out.push(path);
    }
  }
  return out.sort();
}

/** Every precondition comment under `dir`: { file, line, text } (text normalised). */
export function collectPreconditions(dir) {
  const found = [];
  for (const file of filesUnder(dir)) {
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(PRECONDITION)) {
      // A comment spread over several lines may start its continuation lines with "*".
      const body = match[1].replace(/\n\s*\*(?!\/)/g, "\n");
      const line = source.slice(0, match.index).split("\n").length;
      found.push({ file, line, text: normalise(body) });
    }
  }
  return found;
}

/** The root name of a call's callee (`it`, `test`) if every step on the way is a running modifier. */
function testCallee(expr) {
  let node = expr;
  for (;;) {
    if (ts.isIdentifier(node)) return node.text === "it" || node.text === "test";
    if (ts.isPropertyAccessExpression(node)) {
      if (!RUNNING_MODIFIERS.has(node.name.text)) return false;
      node = node.expression;
    } else if (ts.isCallExpression(node)) {
      node = node.expression; // it.each(table)(title, fn), it.skipIf(cond)(title, fn)
    } else {
      return false;
    }
  }
}

/** The literal text of a title; substitutions become a character no precondition contains. */
function titleText(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => `\u0000${span.literal.text}`).join("");
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = titleText(node.left);
    const right = titleText(node.right);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  if (ts.isParenthesizedExpression(node)) return titleText(node.expression);
  return undefined;
}

/** Every running test's title under `dir`, normalised. */
export function collectTestTitles(dir) {
  const titles = [];
  for (const file of filesUnder(dir)) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
    const visit = (node) => {
      if (ts.isCallExpression(node) && node.arguments.length > 0 && testCallee(node.expression)) {
        const title = titleText(node.arguments[0]);
        if (title !== undefined) titles.push(normalise(title));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return titles;
}

export function findMissing(preconditions, titles) {
  return preconditions.filter((p) => !titles.some((title) => title.includes(p.text)));
}

/** The pending list: Set of "path\ttext" keys (path relative to the working directory, text normalised). */
export function readPending(file) {
  if (!file || !existsSync(file)) return new Set();
  const keys = new Set();
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const tab = line.indexOf("\t");
    if (tab < 0) throw new Error(`${file}: expected "path<TAB>text", got: ${line}`);
    keys.add(`${line.slice(0, tab).trim()}\t${normalise(line.slice(tab + 1))}`);
  }
  return keys;
}

const keyOf = (p) => `${relative(".", p.file)}\t${p.text}`;

function main(argv) {
  const option = (name, fallback) => {
    const at = argv.indexOf(name);
    return at >= 0 && argv[at + 1] ? argv[at + 1] : fallback;
  };
  const srcDir = option("--src", "src");
  const testDir = option("--test", "test");
  const pending = readPending(option("--pending", "scripts/preconditions-pending.txt"));
  const preconditions = collectPreconditions(srcDir);
  const missing = findMissing(preconditions, collectTestTitles(testDir));
  const missingKeys = new Set(missing.map(keyOf));
  const unlisted = missing.filter((p) => !pending.has(keyOf(p)));
  const stale = [...pending].filter((key) => !missingKeys.has(key));
  const tested = preconditions.length - missing.length;
  console.log(`preconditions: ${tested} of ${preconditions.length} have a test of the same name`);
  if (missing.length > unlisted.length) {
    console.log(`  ${missing.length - unlisted.length} more are on the pending list, still without a test`);
  }
  if (unlisted.length) {
    console.error(`preconditions without a test of the same name (${unlisted.length}):`);
    for (const p of unlisted) console.error(`  ${relative(".", p.file)}:${p.line}  ${p.text}`);
    console.error(
      `Add a test under ${testDir}/ whose it(...)/test(...) title contains the text, or fix the comment.`,
    );
  }
  if (stale.length) {
    console.error(`pending entries that now have a test or no longer exist (remove them from the list):`);
    for (const key of stale) console.error(`  ${key.replace("\t", "  ")}`);
  }
  return unlisted.length || stale.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
