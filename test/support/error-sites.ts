/**
 * Every error construction in src/: `new X(…)` where X is an S3CseError class or a built-in
 * Error, with the code it is given (the first argument `ErrorCodes.X`, or the class's fixed
 * code). Read with the TypeScript compiler API, so multi-line calls count too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export interface ErrorSite {
  readonly file: string;
  readonly line: number;
  readonly className: string;
  /**
   * The codes the first argument can be: `ErrorCodes.X` → ["X"], `c ? ErrorCodes.X : ErrorCodes.Y` →
   * ["X", "Y"]; undefined when the first argument is anything else (a message, or no argument).
   */
  readonly codes: readonly string[] | undefined;
}

const BUILT_IN = new Set([
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "EvalError",
  "ReferenceError",
  "AggregateError",
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function codesOf(expr: ts.Expression, sf: ts.SourceFile): string[] | undefined {
  if (ts.isParenthesizedExpression(expr)) return codesOf(expr.expression, sf);
  if (ts.isPropertyAccessExpression(expr) && expr.expression.getText(sf) === "ErrorCodes")
    return [expr.name.text];
  if (ts.isConditionalExpression(expr)) {
    const a = codesOf(expr.whenTrue, sf);
    const b = codesOf(expr.whenFalse, sf);
    return a && b ? [...a, ...b] : undefined;
  }
  return undefined;
}

export function errorSites(srcDir: string, classNames: ReadonlySet<string>): ErrorSite[] {
  const sites: ErrorSite[] = [];
  for (const file of sourceFiles(srcDir)) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isNewExpression(node) ||
        (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && BUILT_IN.has(node.expression.text))
      ) {
        const callee = node.expression;
        const name = ts.isIdentifier(callee) ? callee.text : undefined;
        if (name && (classNames.has(name) || BUILT_IN.has(name))) {
          const first = node.arguments?.[0];
          sites.push({
            file: relative(process.cwd(), file),
            line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
            className: name,
            codes: first ? codesOf(first, sf) : undefined,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return sites;
}
