import { expect, test } from 'vitest';
import { didYouMean, levenshtein } from '../../src/config/did-you-mean.js';

test('levenshtein', () => {
  expect(levenshtein('labeled', 'labelled')).toBe(1);
  expect(levenshtein('kitten', 'sitting')).toBe(3);
  expect(levenshtein('', 'abc')).toBe(3);
});

test('suggests a close spelling, then a prefix, else nothing', () => {
  expect(didYouMean('labeled', ['name', 'labelled'])).toBe('labelled');
  expect(didYouMean('Trials', ['trials', 'workers'])).toBe('trials');
  expect(didYouMean('learning', ['learning_rate', 'epochs'])).toBe('learning_rate');
  expect(didYouMean('x', ['name', 'seed'])).toBeUndefined();
  expect(didYouMean('gpus', ['trials', 'workers', 'epochs', 'seeds'])).toBeUndefined();
});
