/**
 * Prints per-type precision / recall / F1 and micro F1 of the PII detector on the labelled corpus
 * (`test/fixtures/pii`). Run with `npm run eval:pii`; add `--errors` to list every miss and false positive.
 */
import { PII_CORPUS } from '../test/fixtures/pii/corpus';
import { evaluate, formatEvaluation } from '../test/fixtures/pii/evaluate';

const result = evaluate(PII_CORPUS);
console.log(formatEvaluation(result));
if (process.argv.includes('--errors')) for (const e of result.errors) console.log(e);
