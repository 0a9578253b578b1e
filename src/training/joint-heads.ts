// Multitask heads side by side, for every engine (mlp.ts, cnn.ts): the model's own head and fresh ones
// in one [H, classes x tasks] kernel, so one matMul serves every task, and the JointTrainer around the
// engine's trainer that steps them and writes head 0 back. Worker side; gets tfjs passed in.
import type * as tfjs from '@tensorflow/tfjs';
import type { JointTrainer, StepTrainer, Tf } from './types.js';

/** A Dense layer's variables. */
interface HeadVariables {
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable;
}

/** `head` followed by one Glorot-uniform head per seed (zero biases), as two new variables. */
export function sideBySideHeads(tf: Tf, head: HeadVariables, classes: number, headSeeds: readonly number[]): HeadVariables {
  const width = classes * (1 + headSeeds.length);
  return tf.tidy(() => {
    const shape = head.kernel.shape as [number, number];
    const kernels = [head.kernel, ...headSeeds.map((seed) => tf.initializers.glorotUniform({ seed }).apply(shape, 'float32') as tfjs.Tensor)];
    return { kernel: tf.variable(tf.concat(kernels, 1), false), bias: tf.variable(tf.concat([head.bias, tf.zeros([width - classes])]), false) };
  });
}

/** `trainer` (stepping the body and `heads`) as a JointTrainer: commitHead copies head 0 into `head`, dispose commits first. */
export function jointTrainerOf(tf: Tf, trainer: StepTrainer, head: HeadVariables, heads: HeadVariables, classes: number): JointTrainer {
  const commitHead = () =>
    tf.tidy(() => {
      head.kernel.assign(tf.slice(heads.kernel, [0, 0], [-1, classes]));
      head.bias.assign(tf.slice(heads.bias, 0, classes));
    });
  return {
    inputs: trainer.inputs,
    width: trainer.width,
    step: (batch) => trainer.step(batch),
    inputGradient: (batch) => trainer.inputGradient(batch),
    logits: (x, n) => trainer.logits(x, n),
    finite: () => trainer.finite(),
    commitHead,
    dispose: () => {
      try {
        commitHead();
      } finally {
        trainer.dispose();
        tf.dispose([heads.kernel, heads.bias]);
      }
    },
  };
}
