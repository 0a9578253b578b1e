// `tasksieve predict DIR DATA.csv`: a model folder's predictions for the rows of a CSV (read by column
// name), as CSV or JSON; with --label, the metrics units report (the same code). Main thread; loads
// tfjs (lazily, through src/model) and nothing of the pool or the store.
import { canonicalLabel, loadFeatureRows, SCALING_CLIP } from '../data/index.js';
import { DataError, StudyConfigError } from '../errors.js';
import { classificationMetrics } from '../metrics/classification.js';
import { loadArtifact, predict, readModelDir, topologyShape } from '../model/index.js';
import type { ClassificationMetrics } from '../spec/metrics.js';
import { writeAtomically } from '../util/atomic-write.js';
import { fmtNumber } from '../util/format.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printNote, printText, table } from './output.js';

/** The share of clipped rows from which `predict` says so on stderr (`clipped_rows` always counts them). */
export const CLIPPED_SHARE_TO_WARN = 0.1;

export async function predictCommand([dir, data]: Args<'predict'>, options: Options<'predict'>): Promise<number> {
  // Every check of the inputs before tfjs loads: a bad file fails in milliseconds.
  const artifact = readModelDir(dir);
  const { meta } = artifact;
  // The file's format: as the options say, else as the training CSV's (the model's meta).
  const delimiter = options.delimiter === undefined ? (meta.delimiter ?? ',') : options.delimiter === 'tab' ? '\t' : options.delimiter;
  const decimal = options.decimal ?? meta.decimal ?? '.';
  if (decimal === ',' && delimiter === ',') throw new StudyConfigError(`--decimal: a decimal comma needs another delimiter than the comma (--delimiter ";", tab or "|")`);
  const file = loadFeatureRows(data, {
    names: meta.featureNames,
    // The training CSV itself also holds the columns feature selection dropped.
    allowExtra: meta.preprocessing.columns !== undefined,
    ...(meta.droppedColumns ? { ignore: meta.droppedColumns } : {}),
    ...(meta.imputesMissing ? { missingAsNaN: true } : {}),
    delimiter,
    ...(decimal === ',' ? { decimal: ',' as const } : {}),
    ...(meta.categorical ? { categorical: meta.categorical } : {}),
    cols: meta.featureNames === null && meta.preprocessing.columns === undefined ? (topologyShape(artifact.topology)?.inputs ?? null) : null,
    ...(options.label !== undefined ? { label: options.label } : {}),
  });
  const truth = file.labels === null ? null : classIndices(file.labels, meta.classNames, data, options.label as string);
  const model = await loadArtifact(artifact);
  let prediction;
  try {
    prediction = predict(model, file);
  } finally {
    model.dispose();
  }
  const { classNames, probabilities, labels, classes, clippedRows } = prediction;
  // A few clipped rows are normal where a feature is nearly constant in the training rows (a corner
  // pixel): 2 of a CNN unit's own 400 validation rows. A tenth of the file is data from elsewhere.
  if (clippedRows > 0 && clippedRows >= CLIPPED_SHARE_TO_WARN * file.rows) {
    // On stderr even with --json or -o: the predictions are written, but the user should know.
    printNote(
      `tasksieve predict: ${data}: ${clippedRows} of ${file.rows} rows have a feature ${SCALING_CLIP} or more of the training rows' ` +
        `${meta.preprocessing.scaling?.kind === 'minmax' ? 'ranges' : 'standard deviations'} away (clipped there): rows unlike those the model was trained on`,
    );
  }
  if (file.unseenCategories > 0) {
    const columns = (meta.categorical ?? []).map((e) => JSON.stringify(e.column)).join(', ');
    printNote(`tasksieve predict: ${data}: ${file.unseenCategories} ${file.unseenCategories === 1 ? 'cell' : 'cells'} of ${columns} ${file.unseenCategories === 1 ? 'holds a value' : 'hold values'} the model was not trained on (encoded as none of its values)`);
  }
  const width = classNames.length;
  const metrics = truth === null ? null : classificationMetrics(truth, classes, width);
  if (options.json) {
    const document = {
      model: dir,
      rows: file.rows,
      classNames,
      backend: model.backend,
      predictions: labels.map((label, r) => ({ label, probabilities: Array.from(probabilities.subarray(r * width, (r + 1) * width), float) })),
      clipped_rows: clippedRows,
      ...(meta.categorical ? { unseen_categories: file.unseenCategories } : {}),
      ...(metrics ? { metrics } : {}),
    };
    if (options.output) writeAtomically(options.output, `${JSON.stringify(document)}\n`);
    else printJson(document);
    return 0;
  }
  const header = ['predicted', ...classNames.map((c) => `prob.${c}`)].map(csvCell).join(',');
  const lines = labels.map((label, r) => [csvCell(label), ...Array.from(probabilities.subarray(r * width, (r + 1) * width), (p) => String(float(p)))].join(','));
  const csv = `${[header, ...lines].join('\n')}\n`;
  if (options.output) writeAtomically(options.output, csv);
  else printText(csv);
  if (metrics) {
    // With the predictions on stdout, the figures go to stderr so the CSV stays clean.
    const say = options.output ? (text: string) => printLines(text) : printNote;
    say(metricsText(metrics, classNames, file.rows, data));
  }
  return 0;
}

/** A float32 value with the 9 significant digits that identify it. */
function float(p: number): number {
  return Number(p.toPrecision(9));
}

/** The class index of every label cell: by the model's label values, numbers in their canonical form. */
function classIndices(cells: readonly string[], classNames: readonly string[], path: string, column: string): Int32Array {
  const index = new Map(classNames.map((name, i) => [name, i]));
  return Int32Array.from(cells, (cell, r) => {
    const k = index.get(cell) ?? index.get(canonicalLabel(cell));
    if (k === undefined) {
      throw new DataError(`${path}: row ${r + 2} column ${JSON.stringify(column)}: ${JSON.stringify(cell)} is not a class of the model (${classNames.slice(0, 8).join(', ')}${classNames.length > 8 ? ', …' : ''})`);
    }
    return k;
  });
}

function metricsText(m: ClassificationMetrics, classNames: readonly string[], rows: number, data: string): string {
  const confusion = table(
    ['true \\ predicted', ...classNames],
    m.confusion.map((row, i) => [classNames[i] as string, ...row.map(String)]),
  );
  return [
    `${rows} rows of ${data}: accuracy ${fmtNumber(m.accuracy, 6)}, macro-F1 ${fmtNumber(m.macro_f1, 6)}, macro recall ${fmtNumber(m.macro_recall, 6)}`,
    confusion,
  ].join('\n');
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
