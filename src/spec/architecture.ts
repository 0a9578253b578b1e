// Architecture parameters of the search space: the number of dense hidden layers, their widths, the
// number of a CNN's conv blocks and their filters, searched like any parameter (`space:` names below)
// and applied to the study's model per trial. Part of src/spec: constants and the pure rule that
// reads them; imports nothing of the project but spec.
import type { ModelSpec } from './study.js';
import type { Params } from './space.js';

/** Most dense hidden layers and conv blocks a model has (the study file's model.hidden / model.conv). */
export const MAX_LAYERS = 8;

/** One architecture parameter: its integer range and what it means (schema and docs read these). */
export interface ArchitectureKeySpec {
  readonly minimum: number;
  readonly maximum: number;
  /** Only for model.kind cnn. */
  readonly cnnOnly: boolean;
  readonly description: string;
}

const numbered = (prefix: string, spec: (i: number) => ArchitectureKeySpec): Record<string, ArchitectureKeySpec> =>
  Object.fromEntries(Array.from({ length: MAX_LAYERS }, (_, k) => [`${prefix}_${k + 1}`, spec(k + 1)]));

/**
 * The space names of architecture parameters. A width or filter count given per layer
 * (`hidden_units_2`) wins over the one for every layer (`hidden_units`), which wins over the
 * model's. Layers are counted from the input, from 1.
 */
export const ARCHITECTURE_KEY_TABLE: Readonly<Record<string, ArchitectureKeySpec>> = Object.freeze({
  hidden_layers: {
    minimum: 1,
    maximum: MAX_LAYERS,
    cnnOnly: false,
    description: 'Number of dense hidden layers; layers beyond model.hidden take its last width (unless hidden_units sets them).',
  },
  hidden_units: { minimum: 1, maximum: 4096, cnnOnly: false, description: 'Width of every dense hidden layer.' },
  ...numbered('hidden_units', (i) => ({ minimum: 1, maximum: 4096, cnnOnly: false, description: `Width of dense hidden layer ${i} (from the input).` })),
  conv_blocks: {
    minimum: 1,
    maximum: MAX_LAYERS,
    cnnOnly: true,
    description: 'Number of conv blocks: the first ones of model.conv (<= its length).',
  },
  conv_filters: { minimum: 1, maximum: 1024, cnnOnly: true, description: 'Filters of every conv block.' },
  ...numbered('conv_filters', (i) => ({ minimum: 1, maximum: 1024, cnnOnly: true, description: `Filters of conv block ${i} (from the input).` })),
});

export const ARCHITECTURE_KEYS: readonly string[] = Object.keys(ARCHITECTURE_KEY_TABLE);

export function isArchitectureKey(name: string): boolean {
  return Object.hasOwn(ARCHITECTURE_KEY_TABLE, name);
}

/** The layer a numbered key addresses (`hidden_units_2`: 2), or null for the others. */
export function layerOfKey(name: string): number | null {
  const match = /_(\d+)$/.exec(name);
  return match && isArchitectureKey(name) ? Number(match[1]) : null;
}

/** The number a trial's params give `name`, if any (the study file checked they are integers). */
function given(params: Params, name: string): number | undefined {
  const value = params[name];
  return typeof value === 'number' ? value : undefined;
}

/** The trial's model: the study's model with the architecture parameters of `params` applied. */
export function architectureFor(model: ModelSpec, params: Params): ModelSpec {
  const layers = given(params, 'hidden_layers') ?? model.hidden.length;
  const last = model.hidden[model.hidden.length - 1]!;
  const hidden = Array.from({ length: layers }, (_, i) => given(params, `hidden_units_${i + 1}`) ?? given(params, 'hidden_units') ?? model.hidden[i] ?? last);
  if (model.kind === 'mlp') return sameOrNew(model, { ...model, hidden });
  const blocks = Math.min(given(params, 'conv_blocks') ?? model.conv.length, model.conv.length);
  const conv = model.conv.slice(0, blocks).map((b, i) => ({ ...b, filters: given(params, `conv_filters_${i + 1}`) ?? given(params, 'conv_filters') ?? b.filters }));
  return sameOrNew(model, { ...model, hidden, conv });
}

/** What an architecture key is when a trial leaves it out: the model's (the first layer's for a width of every layer). */
export function architectureDefault(model: ModelSpec, name: string): number | undefined {
  const layer = layerOfKey(name);
  if (name === 'hidden_layers') return model.hidden.length;
  if (name === 'hidden_units') return model.hidden[0];
  if (name.startsWith('hidden_units_')) return model.hidden[layer! - 1] ?? model.hidden[model.hidden.length - 1];
  if (model.kind !== 'cnn') return undefined;
  if (name === 'conv_blocks') return model.conv.length;
  if (name === 'conv_filters') return model.conv[0]?.filters;
  return model.conv[layer! - 1]?.filters;
}

/** The study's model object itself when nothing changed (trials without architecture parameters stay as before). */
function sameOrNew(model: ModelSpec, next: ModelSpec): ModelSpec {
  return JSON.stringify(model) === JSON.stringify(next) ? model : next;
}
