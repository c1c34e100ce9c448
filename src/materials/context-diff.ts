import type { StringMap } from "../codec/json-map.js";

/**
 * Which encryption-context entries differ, for a mismatch message: missing keys, unexpected keys and
 * keys whose values differ (with both values — an encryption context is not secret; AWS logs it in
 * CloudTrail). Example: `db: supplied "Sales", object has "HR"; missing: env; unexpected: team`.
 */
export function describeContextDifference(supplied: StringMap, stored: StringMap): string {
  const differs: string[] = [];
  const missing: string[] = [];
  const unexpected: string[] = [];
  for (const k of Object.keys(stored).sort()) {
    if (!Object.hasOwn(supplied, k)) missing.push(k);
    else if (supplied[k] !== stored[k])
      differs.push(`${k}: supplied ${JSON.stringify(supplied[k])}, object has ${JSON.stringify(stored[k])}`);
  }
  for (const k of Object.keys(supplied).sort()) if (!Object.hasOwn(stored, k)) unexpected.push(k);
  return [
    ...differs,
    ...(missing.length ? [`missing (the object has them, not supplied): ${missing.join(", ")}`] : []),
    ...(unexpected.length ? [`not in the object's context: ${unexpected.join(", ")}`] : []),
  ].join("; ");
}
