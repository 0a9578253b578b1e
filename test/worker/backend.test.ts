import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../../src/worker/errors.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import type { BackendName } from '../../src/spec/units.js';

describe('initBackend', () => {
  it('picks the best available backend: wasm here, where tfjs-node is not installed', async () => {
    expect(await initBackend(null)).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('switches to a requested backend and back', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0])).toBe(3);
    expect(await initBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('names the missing package when tensorflow is requested', async () => {
    const attempt = initBackend('tensorflow');
    await expect(attempt).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('tensorflow')).rejects.toThrow(
      'backend "tensorflow" is not available: @tensorflow/tfjs-node is not installed',
    );
    await expect(initBackend('tensorflow')).rejects.toMatchObject({ code: 'E_BACKEND_UNAVAILABLE', exitCode: 2 });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an unknown backend name', async () => {
    await expect(initBackend('webgpu' as BackendName)).rejects.toThrow(
      'unknown backend "webgpu" (known: tensorflow, wasm, cpu)',
    );
  });
});
