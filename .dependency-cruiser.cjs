/**
 * Layering (one-way, lower layers never import higher ones):
 *   errors ← codec ← ciphers ← materials ← pipeline ← transfer ← inspect ← cli
 * Only the transfer layer talks to S3; the AWS SDK is imported at runtime only in src/transfer/,
 * src/aws/ (client factories), src/client/ (the drop-in client) and src/materials/kms-client.ts.
 */
const layers = ["codec", "ciphers", "materials", "pipeline", "transfer", "inspect", "client", "cli"];
const forbidden = [
  { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
  {
    name: "codec-is-pure",
    comment: "The format codec is synchronous and free of I/O and SDKs.",
    severity: "error",
    from: { path: "^src/codec/" },
    to: { path: "^(node:)?(fs|net|http|https|stream|child_process|crypto)$|@aws-sdk|@aws-crypto|^src/(?!codec/|errors)" },
  },
  {
    name: "s3-only-in-transfer",
    comment: "Only the transfer layer (and client factories) may import the S3 client.",
    severity: "error",
    from: { pathNot: "^src/(transfer|aws|client)/" },
    to: { path: "@aws-sdk/client-s3|@aws-sdk/lib-storage" },
  },
];
// Each layer may not import any layer above it.
layers.forEach((layer, i) => {
  const above = layers.slice(i + 1);
  if (above.length === 0) return;
  forbidden.push({
    name: `${layer}-not-above`,
    severity: "error",
    from: { path: `^src/${layer}/` },
    to: { path: `^src/(${above.join("|")})/` },
  });
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
