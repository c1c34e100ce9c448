/**
 * Renders a saved `npm run bench -- --json` report as the Markdown table:
 * `node --import tsx scripts/bench/render.ts report.json`.
 */
import { readFileSync } from "node:fs";
import { type Report, toMarkdown } from "./report.js";

const file = process.argv[2];
if (!file) throw new Error("usage: render.ts REPORT.json");
const report = JSON.parse(readFileSync(file, "utf8")) as Report;
process.stdout.write(`${toMarkdown(report)}\n`);
